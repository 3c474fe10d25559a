import type { Client } from '@urql/core';
import { request } from './client.js';
import { INTEGRATION_WEBHOOK, SET_WEBHOOK_URL } from './documents.js';
import type { IntegrationWebhookData } from './graphql.generated.js';
import type { DeliveryView } from './webhook.js';

/** One integration's result webhook on the accounts page: its URL (edited in `draft`) and its recent deliveries. */
export class WebhookState {
  url = $state<string | null>(null);
  draft = $state('');
  deliveries = $state<DeliveryView[]>([]);
  /** What the last action answered: an error (not ok) or what was done. */
  note = $state<{ ok: boolean; text: string } | null>(null);
  busy = $state(false);
  loaded = $state(false);

  constructor(private readonly client: Client, readonly username: string) {}

  async load(): Promise<void> {
    await this.run(async () => this.show((await request(this.client, INTEGRATION_WEBHOOK, { u: this.username })).integrationWebhook), null);
  }

  /** Saves the draft; a blank draft removes the URL. */
  async save(): Promise<void> {
    const url = this.draft.trim() || null;
    await this.run(async () => this.show((await request(this.client, SET_WEBHOOK_URL, { u: this.username, url }, 'mutation')).setWebhookUrl), url ? 'Webhook URL saved' : 'Webhook URL removed');
  }

  async remove(): Promise<void> {
    this.draft = '';
    await this.save();
  }

  private show(webhook: IntegrationWebhookData['integrationWebhook']): void {
    this.url = webhook.url;
    this.draft = webhook.url ?? '';
    this.deliveries = webhook.deliveries;
    this.loaded = true;
  }

  private async run(action: () => Promise<void>, done: string | null): Promise<void> {
    this.busy = true;
    try {
      await action();
      if (done) this.note = { ok: true, text: done };
    } catch (e) {
      this.note = { ok: false, text: (e as Error).message };
    } finally {
      this.busy = false;
    }
  }
}
