import type { Client } from '@urql/core';
import { request } from '../client.js';
import type { ImportSessionsData, TemplateChoicesData } from '../graphql.generated.js';
import { TEMPLATE_CHOICES } from '../templates/documents.js';
import { IMPORT_SESSIONS } from './documents.js';

export type SessionImportAnswer = ImportSessionsData['importSessions'];
export type TemplateChoice = TemplateChoicesData['templates'][number];

/**
 * The console's CSV import of sessions: a template, the text (pasted or read from a file), a dry run the server
 * checks every row in, then "Create", offered only for the very template and text the last dry run found clean.
 */
export class SessionImportState {
  templates = $state<TemplateChoice[]>([]);
  template = $state('');
  csv = $state('');
  /** The last answer, and the template and text it was for. */
  answer = $state<SessionImportAnswer | null>(null);
  checked = $state<string | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly client: Client, private readonly created: () => void) {}

  async loadTemplates(): Promise<void> {
    try {
      this.templates = (await request(this.client, TEMPLATE_CHOICES, {})).templates;
      if (!this.template && this.templates.length) this.template = this.templates[0].id;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  get bad(): number {
    return this.answer?.rows.filter((r) => r.status === 'bad').length ?? 0;
  }

  get fresh(): number {
    return this.answer?.rows.filter((r) => r.status === 'new').length ?? 0;
  }

  /** True when template and text are the ones the last dry run found without a bad row, not created yet. */
  get ready(): boolean {
    return !!this.answer && !this.answer.created && this.checked === this.key() && this.bad === 0 && this.answer.rows.length > 0;
  }

  async readFile(file: File): Promise<void> {
    this.csv = await file.text();
    this.answer = null;
  }

  async run(dryRun: boolean): Promise<void> {
    this.busy = true;
    this.error = null;
    const [csv, template] = [this.csv, this.template];
    try {
      this.answer = (await request(this.client, IMPORT_SESSIONS, { csv, template, dry: dryRun }, 'mutation')).importSessions;
      this.checked = JSON.stringify([template, csv]);
      if (this.answer.created) this.created();
    } catch (e) {
      this.answer = null;
      this.error = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private key(): string {
    return JSON.stringify([this.template, this.csv]);
  }
}
