import type { Client } from '@urql/core';
import { ApiError, request } from '../client.js';
import { EXPORT_FIELDS, EXPORT_SESSIONS } from './documents.js';

export type ExportFormat = 'CSV' | 'JSONL';

export interface ExportFieldChoice {
  readonly name: string;
  readonly description: string;
  checked: boolean;
}

/** Checked when the dialog opens: who, what, when and how it went; the per-metric averages are there to add. */
export const DEFAULT_FIELDS: ReadonlySet<string> = new Set([
  'session', 'name', 'student', 'studentName', 'proctor', 'status', 'date', 'duration', 'score', 'conclusion', 'comment', 'tags',
]);

/**
 * The export dialog: the fields the server's search language knows (its `exportFields`, the one list), a search, a
 * format; Download asks for a one-time link and follows it (the server sends the file as an attachment).
 */
export class ExportDialogState {
  fields = $state<ExportFieldChoice[]>([]);
  query = $state('');
  format = $state<ExportFormat>('CSV');
  bom = $state(true);
  busy = $state(false);
  error = $state<string | null>(null);
  readonly chosen = $derived(this.fields.filter((f) => f.checked).map((f) => f.name));

  constructor(private readonly client: Client, query: string) {
    this.query = query;
  }

  async load(): Promise<void> {
    try {
      const { exportFields } = await request(this.client, EXPORT_FIELDS, {});
      this.fields = exportFields.map((f) => ({ name: f.name, description: f.description, checked: DEFAULT_FIELDS.has(f.name) }));
    } catch (e) {
      this.error = e instanceof ApiError ? e.message : String(e);
    }
  }

  setAll(checked: boolean): void {
    for (const f of this.fields) f.checked = checked;
  }

  /** Asks for the export; answers the download's path, or null (with `error` set) when the server refused. */
  async requestLink(): Promise<string | null> {
    if (this.chosen.length === 0) {
      this.error = 'Choose at least one field.';
      return null;
    }
    this.busy = true;
    this.error = null;
    try {
      const vars = { fields: this.chosen, query: this.query.trim() || null, format: this.format, bom: this.format === 'CSV' && this.bom };
      const { exportSessions } = await request(this.client, EXPORT_SESSIONS, vars, 'mutation');
      return exportSessions.path;
    } catch (e) {
      this.error = e instanceof ApiError ? e.message : String(e);
      return null;
    } finally {
      this.busy = false;
    }
  }
}

/** Follows a download link without leaving the page (the answer is an attachment). */
export function followDownload(path: string): void {
  const a = document.createElement('a');
  a.href = path;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}
