import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { clip, identifier, wholeNumber } from '../core/fields.js';

/** What we post to an integration when one of its sessions concludes. Key order here is the order on the wire. */
export interface SessionResult {
  readonly sessionId: string;
  readonly student: string;
  /** Null when no score was computed (a session concluded without one). */
  readonly score: number | null;
  readonly conclusion: string;
  readonly comment: string | null;
  readonly protocolUrl: string;
  readonly concludedAt: string;
}

/**
 * One result on its way to one integration: scheduled at the conclusion, then each attempt recorded (for the audit),
 * until a 2xx delivers it or 24 h pass and we give up. Its own stream per session, never the account's.
 */
export type DeliveryEvent =
  | {
      readonly type: 'WebhookDeliveryScheduled';
      readonly data: { readonly deliveryId: string; readonly integration: string; readonly result: SessionResult; readonly giveUpAt: string; readonly at: string };
    }
  | {
      readonly type: 'WebhookDeliveryAttempted';
      readonly data: {
        readonly deliveryId: string;
        readonly attempt: number;
        /** The receiver's HTTP status, or null when no answer came (then `error` says why). */
        readonly statusCode: number | null;
        readonly error: string | null;
        /** When the next attempt is due; null after the last one. */
        readonly nextAttemptAt: string | null;
        readonly at: string;
      };
    }
  | { readonly type: 'WebhookDelivered'; readonly data: { readonly deliveryId: string; readonly attempts: number; readonly at: string } }
  | { readonly type: 'WebhookDeliveryFailed'; readonly data: { readonly deliveryId: string; readonly attempts: number; readonly at: string } };

export const DELIVERY_EVENT_TYPES: readonly DeliveryEvent['type'][] = ['WebhookDeliveryScheduled', 'WebhookDeliveryAttempted', 'WebhookDelivered', 'WebhookDeliveryFailed'];

export type DeliveryCommand =
  | { readonly type: 'ScheduleDelivery'; readonly data: { readonly deliveryId: string; readonly integration: string; readonly result: SessionResult }; readonly metadata: CommandMetadata }
  /** `attempt` is the number the sender claimed: a second node that sent the same attempt is refused here. */
  | { readonly type: 'RecordDeliveryAttempt'; readonly data: { readonly attempt: number; readonly statusCode: number | null; readonly error: string | null }; readonly metadata: CommandMetadata };

export type Delivery =
  | { readonly status: 'none' }
  | {
      readonly status: 'pending' | 'delivered' | 'failed';
      readonly deliveryId: string;
      readonly integration: string;
      readonly result: SessionResult;
      readonly attempts: number;
      readonly nextAttemptAt: string | null;
      readonly giveUpAt: string;
    };

const DELIVERY_STREAM = 'webhook-delivery-';
/**
 * A delivery is one conclusion of one session (an administrator may revise a conclusion: the integration is sent each),
 * keyed by the session and the version of its `SessionConcluded` event. '@' never appears in a session id.
 */
export const deliveryKey = (sessionId: string, conclusionVersion: number) => `${sessionId}@${conclusionVersion}`;
export const deliveryStreamId = (key: string) => `${DELIVERY_STREAM}${key}`;
/** The delivery key of a delivery event's stream: the inverse of `deliveryStreamId`. */
export const deliveryKeyOf = (event: { readonly streamId: string }) => event.streamId.slice(DELIVERY_STREAM.length);

/** How long after the conclusion we keep trying. */
export const RETRY_FOR_MS = 24 * 3_600_000;
/** Wait after the n-th failed attempt (the last one repeats): 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, then hourly. */
export const BACKOFF_MS: readonly number[] = [10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000];

/** When the attempt after `attempt` failed ones is due: never past `giveUpAt`, which gets one last try. */
export function nextAttemptAfter(attempt: number, now: Date, giveUpAt: Date): Date {
  const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length) - 1];
  return new Date(Math.min(now.getTime() + wait, giveUpAt.getTime()));
}

export function decideDelivery(command: DeliveryCommand, state: Delivery): DeliveryEvent[] {
  const { now } = command.metadata;
  const at = now.toISOString();
  switch (command.type) {
    case 'ScheduleDelivery': {
      if (state.status !== 'none') return []; // another node scheduled it first
      const { deliveryId, integration, result } = command.data;
      identifier(deliveryId, 'delivery id');
      const concluded = new Date(result.concludedAt).getTime();
      if (!Number.isFinite(concluded)) throw new ValidationError('the result has no valid conclusion time');
      const giveUpAt = new Date(concluded + RETRY_FOR_MS).toISOString();
      return [{ type: 'WebhookDeliveryScheduled', data: { deliveryId, integration, result, giveUpAt, at } }];
    }
    case 'RecordDeliveryAttempt':
      return recordAttempt(command.data, state, now);
    default:
      return assertNever(command, 'delivery command');
  }
}

function recordAttempt(data: Extract<DeliveryCommand, { type: 'RecordDeliveryAttempt' }>['data'], state: Delivery, now: Date): DeliveryEvent[] {
  if (state.status === 'none') throw new IllegalStateError('no such delivery');
  if (state.status !== 'pending') throw new IllegalStateError(`the delivery is ${state.status} already`);
  if (data.attempt !== state.attempts + 1) throw new IllegalStateError(`attempt ${data.attempt} is not the next one (${state.attempts + 1})`);
  const statusCode = data.statusCode === null ? null : wholeNumber(data.statusCode, 'status code', 100, 599);
  const error = data.error === null ? null : clip(data.error, 500);
  if (statusCode === null && error === null) throw new ValidationError('an attempt without an answer must say what went wrong');
  const { deliveryId } = state;
  const at = now.toISOString();
  const attempt = data.attempt;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
    return [
      { type: 'WebhookDeliveryAttempted', data: { deliveryId, attempt, statusCode, error, nextAttemptAt: null, at } },
      { type: 'WebhookDelivered', data: { deliveryId, attempts: attempt, at } },
    ];
  }
  const giveUpAt = new Date(state.giveUpAt);
  if (now.getTime() >= giveUpAt.getTime()) {
    return [
      { type: 'WebhookDeliveryAttempted', data: { deliveryId, attempt, statusCode, error, nextAttemptAt: null, at } },
      { type: 'WebhookDeliveryFailed', data: { deliveryId, attempts: attempt, at } },
    ];
  }
  const nextAttemptAt = nextAttemptAfter(attempt, now, giveUpAt).toISOString();
  return [{ type: 'WebhookDeliveryAttempted', data: { deliveryId, attempt, statusCode, error, nextAttemptAt, at } }];
}

export function evolveDelivery(state: Delivery, event: DeliveryEvent): Delivery {
  if (event.type === 'WebhookDeliveryScheduled') {
    const d = event.data;
    return { status: 'pending', deliveryId: d.deliveryId, integration: d.integration, result: d.result, attempts: 0, nextAttemptAt: d.at, giveUpAt: d.giveUpAt };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'WebhookDeliveryAttempted':
      return { ...state, attempts: event.data.attempt, nextAttemptAt: event.data.nextAttemptAt };
    case 'WebhookDelivered':
      return { ...state, status: 'delivered', nextAttemptAt: null };
    case 'WebhookDeliveryFailed':
      return { ...state, status: 'failed', nextAttemptAt: null };
    default:
      return assertNever(event, 'delivery event');
  }
}

export const deliveryDecider: Decider<DeliveryCommand, DeliveryEvent, Delivery> = {
  initialState: () => ({ status: 'none' }),
  decide: decideDelivery,
  evolve: evolveDelivery,
};
