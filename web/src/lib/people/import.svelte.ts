import type { Client } from '@urql/core';
import { request } from '../client.js';
import type { ImportAccountsData } from '../graphql.generated.js';
import { IMPORT_ACCOUNTS } from './documents.js';
import { linksCsv } from './links-csv.js';

export type ImportAnswer = ImportAccountsData['importAccounts'];

/**
 * The CSV import of accounts: the text (pasted or read from a file), a dry run the server checks every row in, then
 * "Create", offered only for the very text the last dry run found clean. The links come back once; they are kept
 * here for the download and gone with the page.
 */
export class ImportState {
  csv = $state('');
  /** The last answer, and the text it was for. */
  answer = $state<ImportAnswer | null>(null);
  checked = $state<string | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly client: Client, private readonly created: () => void) {}

  get bad(): number {
    return this.answer?.rows.filter((r) => r.status === 'bad').length ?? 0;
  }

  /** True when the text is the one the last dry run found without a bad row, and it was not created yet. */
  get ready(): boolean {
    return !!this.answer && !this.answer.created && this.checked === this.csv && this.bad === 0 && this.answer.rows.length > 0;
  }

  async readFile(file: File): Promise<void> {
    this.csv = await file.text();
    this.answer = null;
  }

  async run(dryRun: boolean): Promise<void> {
    this.busy = true;
    this.error = null;
    const text = this.csv;
    try {
      this.answer = (await request(this.client, IMPORT_ACCOUNTS, { csv: text, dry: dryRun }, 'mutation')).importAccounts;
      this.checked = text;
      if (this.answer.created) this.created();
    } catch (e) {
      this.answer = null;
      this.error = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  /** The links as a CSV file's address (for a download link). */
  linksHref(): string {
    const links = this.answer?.links ?? [];
    return URL.createObjectURL(new Blob([linksCsv(links.map((l) => ({ ...l, expiresAt: String(l.expiresAt) })))], { type: 'text/csv;charset=utf-8' }));
  }
}
