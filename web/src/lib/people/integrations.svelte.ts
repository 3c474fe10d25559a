import type { Client } from '@urql/core';
import { request } from '../client.js';
import type { IntegrationsData } from '../graphql.generated.js';
import { GENERATE_INTEGRATION_SECRET, INTEGRATIONS, REVOKE_INTEGRATION_SECRET } from './documents.js';
import { actOnRow } from '../row-actions.js';

export type IntegrationView = IntegrationsData['integrations'][number];

/**
 * The integrations page: each integrator account and whether it has a secret. A secret generated here is shown once,
 * to the administrator who made it, until the page is left; the server never answers it again.
 */
export class IntegrationsState {
  list = $state<IntegrationView[]>([]);
  error = $state<string | null>(null);
  /** The secret just made, and for whom. */
  shown = $state<{ username: string; secret: string } | null>(null);
  notes = $state<Record<string, { ok: boolean; text: string }>>({});
  busy = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  async load(): Promise<void> {
    try {
      this.list = (await request(this.client, INTEGRATIONS, {})).integrations;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  async generate(username: string): Promise<void> {
    await this.act(username, async () => {
      const secret = (await request(this.client, GENERATE_INTEGRATION_SECRET, { u: username }, 'mutation')).generateIntegrationSecret;
      this.shown = { username, secret };
      return 'New secret made: copy it now, it is not shown again. Links signed with the old one are refused.';
    });
  }

  async revoke(username: string): Promise<void> {
    await this.act(username, async () => {
      await request(this.client, REVOKE_INTEGRATION_SECRET, { u: username }, 'mutation');
      if (this.shown?.username === username) this.shown = null;
      return 'Secret revoked: its links are refused and its webhooks not sent until it has a new one.';
    });
  }

  private act(username: string, action: () => Promise<string>): Promise<void> {
    return actOnRow(this, username, action);
  }
}
