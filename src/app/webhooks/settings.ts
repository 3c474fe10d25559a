import { randomUUID } from 'node:crypto';
import type { Core } from '../core/core.js';
import { handleCommand } from '../core/handle-command.js';
import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError, NotFoundError } from '../../domain/core/errors.js';
import { endpointDecider, endpointStreamId } from '../../domain/webhook/endpoint.js';
import { deliveriesOf, webhookUrlOf, type DeliveryRow } from '../../projections/webhooks/queries.js';

/** An integration's webhook as its page shows it. */
export interface IntegrationWebhook {
  readonly integration: string;
  readonly url: string | null;
  readonly deliveries: readonly DeliveryRow[];
}

/**
 * An administrator manages every integration's webhook; an integration only its own. Anyone else learns nothing,
 * not even whether the account exists.
 */
async function integrationFor(core: Core, actor: Actor, username: string): Promise<string> {
  if (actor.role !== 'admin' && actor.role !== 'system' && actor.id.toLowerCase() !== username.toLowerCase()) {
    throw new ForbiddenError('an integration manages its own webhook only');
  }
  const account = await core.loadAccount(username);
  if (account.status === 'none' || account.role !== 'integrator') throw new NotFoundError(`no integration ${username}`);
  return account.username;
}

/** Sets (or, with null or blank, clears) where the results of the integration's sessions are posted. */
export async function setWebhookUrl(core: Core, actor: Actor, username: string, url: string | null): Promise<IntegrationWebhook> {
  const integration = await integrationFor(core, actor, username);
  const streamId = endpointStreamId(integration);
  const command = { type: 'SetWebhookUrl' as const, data: { integration, url }, metadata: { now: core.now(), actor, commandId: randomUUID() } };
  const { version } = await handleCommand(core.store, endpointDecider, streamId, command);
  await core.caughtUpWith(streamId, version);
  return webhookOf(core, actor, integration);
}

/** The integration's URL and its most recent deliveries. */
export async function webhookOf(core: Core, actor: Actor, username: string): Promise<IntegrationWebhook> {
  const integration = await integrationFor(core, actor, username);
  const [url, deliveries] = await Promise.all([webhookUrlOf(core.db, integration), deliveriesOf(core.db, integration)]);
  return { integration, url, deliveries };
}
