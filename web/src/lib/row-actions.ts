/** What a page with an action per row (an account, an integration) keeps: which row is busy, and what each last action said. */
export interface RowActions {
  busy: string | null;
  notes: Record<string, { ok: boolean; text: string }>;
  load(): Promise<void>;
}

/** Runs one row's action: the row is busy meanwhile, its note says what came of it, and the list is read again. */
export async function actOnRow(page: RowActions, row: string, action: () => Promise<string>): Promise<void> {
  page.busy = row;
  try {
    page.notes = { ...page.notes, [row]: { ok: true, text: await action() } };
    await page.load();
  } catch (e) {
    page.notes = { ...page.notes, [row]: { ok: false, text: (e as Error).message } };
  } finally {
    page.busy = null;
  }
}

/** A CSV import's row, as its table says it: the reason it is refused, or what became of it. */
export function importRowOutcome(row: { status: string; problem?: string | null }, created: boolean): string {
  if (row.status === 'bad') return row.problem ?? 'refused';
  if (row.status === 'done') return 'created by an earlier run';
  return created ? 'created' : 'will be created';
}
