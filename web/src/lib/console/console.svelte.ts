import type { Client } from '@urql/core';
import { ApiError, request } from '../client.js';
import { COMPLETE } from '../documents.js';
import type { ConsoleIdsData, ConsoleSessionsData, SessionOrder } from '../graphql.generated.js';
import type { SearchProblem } from '../monitor.svelte.js';
import { BULK_ASSIGN, BULK_CANCEL, BULK_PAUSE, BULK_RESCHEDULE, BULK_RESUME, CONSOLE_IDS, CONSOLE_SESSIONS } from './documents.js';

export type ConsoleRow = ConsoleSessionsData['sessions']['edges'][number]['node'];

/** What the console does to the sessions selected; the server runs each on every session and answers per session. */
export type ConsoleAction =
  | { readonly kind: 'assign'; readonly proctor: string | null }
  | { readonly kind: 'reschedule'; readonly at: Date }
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' };

export interface ActionOutcome {
  readonly done: number;
  readonly refused: ReadonlyArray<{ readonly id: string; readonly message: string }>;
}

export const PAGE_SIZE = 50;
/** The most sessions one bulk request takes (the server's limit); more are sent in several. */
export const BULK_CHUNK = 1000;

/** The administrator's table of sessions: a search, an order, a page, a selection, and the actions on it. */
export class ConsoleState {
  query = $state('');
  problem = $state<SearchProblem | null>(null);
  rows = $state<ConsoleRow[]>([]);
  total = $state(0);
  loading = $state(true);
  orderBy = $state<SessionOrder>('date');
  descending = $state(true);
  /** The 0-based page shown; the cursors of the pages before it are kept to go back. */
  page = $state(0);
  hasNext = $state(false);
  selected = $state<string[]>([]);
  /** Every session matching the search is selected, not only the rows ticked. */
  allMatching = $state(false);
  busy = $state(false);
  outcome = $state<ActionOutcome | null>(null);
  error = $state<string | null>(null);
  private cursors: Array<string | null> = [null];
  private generation = 0;

  constructor(private readonly client: Client) {}

  get selectionSize(): number {
    return this.allMatching ? this.total : this.selected.length;
  }

  async search(query: string): Promise<void> {
    this.query = query;
    this.restart();
    await this.load();
  }

  async sortBy(key: SessionOrder): Promise<void> {
    // Dates and scores read best from the newest and the highest; names from A.
    this.descending = this.orderBy === key ? !this.descending : key === 'date' || key === 'score';
    this.orderBy = key;
    this.restart();
    await this.load();
  }

  async next(): Promise<void> {
    if (!this.hasNext) return;
    this.page += 1;
    await this.load();
  }

  async previous(): Promise<void> {
    if (this.page === 0) return;
    this.page -= 1;
    await this.load();
  }

  toggle(id: string): void {
    this.allMatching = false;
    this.selected = this.selected.includes(id) ? this.selected.filter((x) => x !== id) : [...this.selected, id];
  }

  togglePage(): void {
    this.allMatching = false;
    const ids = this.rows.map((r) => r.id);
    const all = ids.every((id) => this.selected.includes(id));
    this.selected = all ? this.selected.filter((id) => !ids.includes(id)) : [...new Set([...this.selected, ...ids])];
  }

  selectAllMatching(): void {
    this.allMatching = true;
  }

  clearSelection(): void {
    this.allMatching = false;
    this.selected = [];
  }

  complete(text: string, offset: number) {
    return request(this.client, COMPLETE, { t: text, o: offset }).then((d) => d.searchCompletion);
  }

  /** Runs `action` on the selection, a request per thousand sessions, then shows the page again as it now is. */
  async act(action: ConsoleAction): Promise<void> {
    this.busy = true;
    this.error = null;
    this.outcome = null;
    try {
      const ids = this.allMatching ? await this.matchingIds() : [...this.selected];
      let done = 0;
      const refused: Array<{ id: string; message: string }> = [];
      for (let i = 0; i < ids.length; i += BULK_CHUNK) {
        for (const r of await this.send(action, ids.slice(i, i + BULK_CHUNK))) {
          if (r.ok) done += 1;
          else refused.push({ id: r.id, message: r.message ?? r.code ?? 'refused' });
        }
      }
      this.outcome = { done, refused };
      this.clearSelection();
      await this.load();
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
    }
  }

  async load(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    try {
      const data = await request(this.client, CONSOLE_SESSIONS, {
        q: this.query, first: PAGE_SIZE, after: this.cursors[this.page] ?? null, orderBy: this.orderBy, descending: this.descending,
      });
      if (generation !== this.generation) return;
      this.problem = null;
      this.rows = data.sessions.edges.map((e) => e.node);
      this.total = data.sessions.totalCount;
      this.hasNext = data.sessions.pageInfo.hasNextPage;
      this.cursors[this.page + 1] = data.sessions.pageInfo.endCursor;
    } catch (error) {
      if (generation !== this.generation) return;
      const column = error instanceof ApiError && typeof error.details.column === 'number' ? error.details.column : null;
      this.problem = { message: (error as Error).message, column };
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  private restart(): void {
    this.page = 0;
    this.cursors = [null];
    this.clearSelection();
  }

  /** Every id the search matches, read a page at a time. */
  private async matchingIds(): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: ConsoleIdsData = await request(this.client, CONSOLE_IDS, { q: this.query, after });
      ids.push(...data.sessions.edges.map((e) => e.node.id));
      if (!data.sessions.pageInfo.hasNextPage) return ids;
      after = data.sessions.pageInfo.endCursor;
    }
  }

  private async send(action: ConsoleAction, ids: string[]) {
    switch (action.kind) {
      case 'assign':
        return (await request(this.client, BULK_ASSIGN, { ids, proctor: action.proctor }, 'mutation')).assignProctorToSessions;
      case 'reschedule':
        return (await request(this.client, BULK_RESCHEDULE, { ids, at: action.at.toISOString() }, 'mutation')).rescheduleSessions;
      case 'cancel':
        return (await request(this.client, BULK_CANCEL, { ids, reason: action.reason }, 'mutation')).cancelSessions;
      case 'pause':
        return (await request(this.client, BULK_PAUSE, { ids }, 'mutation')).pauseSessions;
      case 'resume':
        return (await request(this.client, BULK_RESUME, { ids }, 'mutation')).resumeSessions;
      default: {
        const exhaustive: never = action;
        throw new Error(`unknown action ${JSON.stringify(exhaustive)}`);
      }
    }
  }
}
