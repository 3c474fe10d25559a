import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, ValidationError } from '../core/errors.js';
import { text } from '../core/fields.js';

/**
 * Where an integration (an LMS account) wants the results of its sessions posted. Its own stream, not the account's:
 * login reads the account stream, and this changes without touching who may sign in.
 */
export type EndpointEvent =
  | { readonly type: 'WebhookUrlSet'; readonly data: { readonly integration: string; readonly url: string; readonly by: string; readonly at: string } }
  | { readonly type: 'WebhookUrlCleared'; readonly data: { readonly integration: string; readonly by: string; readonly at: string } };

export const ENDPOINT_EVENT_TYPES: readonly EndpointEvent['type'][] = ['WebhookUrlSet', 'WebhookUrlCleared'];

/** `url` null (or blank) clears it. `integration` is the account's username (the app checks it is an integrator). */
export type EndpointCommand = { readonly type: 'SetWebhookUrl'; readonly data: { readonly integration: string; readonly url: string | null }; readonly metadata: CommandMetadata };

export type Endpoint = { readonly url: string | null };

const ENDPOINT_STREAM = 'webhook-endpoint-';
export const endpointStreamId = (integration: string) => `${ENDPOINT_STREAM}${integration.toLowerCase()}`;

/** Longest URL we accept: far more than any real endpoint, short enough for every browser, proxy and column. */
export const MAX_WEBHOOK_URL = 2000;

/** An absolute http(s) URL without credentials (they would show on the integration's page) or a fragment. */
export function webhookUrl(value: string): string {
  const raw = text(value, 'webhook URL', MAX_WEBHOOK_URL);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(`webhook URL ${JSON.stringify(raw.slice(0, 80))} is not an absolute URL`, { field: 'webhook URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(`a webhook URL must be http or https, not ${url.protocol.replace(':', '')}`, { field: 'webhook URL' });
  if (url.username || url.password) throw new ValidationError('a webhook URL must not carry a user name or password', { field: 'webhook URL' });
  if (url.hash) throw new ValidationError('a webhook URL must not have a #fragment', { field: 'webhook URL' });
  if (/\s/.test(raw)) throw new ValidationError('a webhook URL must not contain spaces', { field: 'webhook URL' });
  return raw;
}

export function decideEndpoint(command: EndpointCommand, state: Endpoint): EndpointEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  switch (command.type) {
    case 'SetWebhookUrl': {
      const { integration } = command.data;
      const url = command.data.url === null || !command.data.url.trim() ? null : webhookUrl(command.data.url);
      if (url === state.url) return [];
      if (url === null) return [{ type: 'WebhookUrlCleared', data: { integration, by: actor.id, at } }];
      return [{ type: 'WebhookUrlSet', data: { integration, url, by: actor.id, at } }];
    }
    default:
      return assertNever(command.type, 'endpoint command');
  }
}

export function evolveEndpoint(state: Endpoint, event: EndpointEvent): Endpoint {
  switch (event.type) {
    case 'WebhookUrlSet':
      return { url: event.data.url };
    case 'WebhookUrlCleared':
      return { url: null };
    default:
      return assertNever(event, 'endpoint event');
  }
}

export const endpointDecider: Decider<EndpointCommand, EndpointEvent, Endpoint> = {
  initialState: () => ({ url: null }),
  decide: decideEndpoint,
  evolve: evolveEndpoint,
};
