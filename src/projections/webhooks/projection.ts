import { assertNever } from '../../domain/core/errors.js';
import { sessionIdOf, type SessionEvent } from '../../domain/session/events.js';
import { DELIVERY_EVENT_TYPES, deliveryKey, deliveryKeyOf, type DeliveryEvent } from '../../domain/webhook/delivery.js';
import { ENDPOINT_EVENT_TYPES, type EndpointEvent } from '../../domain/webhook/endpoint.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

type SessionPart = Extract<SessionEvent, { type: 'SessionCreated' | 'ScoreComputed' | 'SessionConcluded' }>;
type WebhookEvent = EndpointEvent | DeliveryEvent | SessionPart;

/**
 * Result webhooks: each integration's URL, what its sessions' results need, and one row per delivery. A session that
 * concludes while its integration has a URL gets a `due` row; the deliverer schedules it (its stream begins) and the
 * attempts move the row to `pending`, `delivered` or `failed`. Restarts find their work here again.
 */
export const webhooksProjection: Projection<WebhookEvent> = {
  name: 'webhooks',
  ddl: `
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  integration text PRIMARY KEY,
  url         text NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_sessions (
  session_id  text PRIMARY KEY,
  integration text NOT NULL,
  student     text NOT NULL,
  score       double precision
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  delivery_key    text PRIMARY KEY,
  session_id      text NOT NULL,
  integration     text NOT NULL,
  student         text NOT NULL,
  score           double precision,
  conclusion      text NOT NULL,
  comment         text,
  concluded_at    timestamptz NOT NULL,
  status          text NOT NULL,
  delivery_id     text,
  attempts        integer NOT NULL DEFAULT 0,
  last_status     integer,
  last_error      text,
  last_attempt_at timestamptz,
  next_attempt_at timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('due', 'pending');
CREATE INDEX IF NOT EXISTS webhook_deliveries_integration ON webhook_deliveries (integration, concluded_at DESC);
CREATE INDEX IF NOT EXISTS webhook_deliveries_session ON webhook_deliveries (session_id);`,
  tables: ['webhook_endpoints', 'webhook_sessions', 'webhook_deliveries'],
  handles: new Set<WebhookEvent['type']>(['SessionCreated', 'ScoreComputed', 'SessionConcluded', ...ENDPOINT_EVENT_TYPES, ...DELIVERY_EVENT_TYPES]),
  async apply(tx, event) {
    switch (event.type) {
      case 'SessionCreated':
      case 'ScoreComputed':
      case 'SessionConcluded':
        return applySession(tx, event, sessionIdOf(event), event.streamVersion);
      case 'WebhookUrlSet':
        await tx.query(`INSERT INTO webhook_endpoints (integration, url) VALUES ($1, $2) ON CONFLICT (integration) DO UPDATE SET url = EXCLUDED.url`, [event.data.integration.toLowerCase(), event.data.url]);
        return;
      case 'WebhookUrlCleared':
        await tx.query(`DELETE FROM webhook_endpoints WHERE integration = $1`, [event.data.integration.toLowerCase()]);
        return;
      case 'WebhookDeliveryScheduled':
      case 'WebhookDeliveryAttempted':
      case 'WebhookDelivered':
      case 'WebhookDeliveryFailed':
        return applyDelivery(tx, event, deliveryKeyOf(event));
      default:
        return assertNever(event, 'webhook event');
    }
  },
};

async function applySession(tx: Sql, event: SessionPart, sessionId: string, version: number): Promise<void> {
  switch (event.type) {
    case 'SessionCreated':
      if (!event.data.integrationId) return;
      await tx.query(`INSERT INTO webhook_sessions (session_id, integration, student) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [sessionId, event.data.integrationId.toLowerCase(), event.data.student]);
      return;
    case 'ScoreComputed':
      await tx.query(`UPDATE webhook_sessions SET score = $2 WHERE session_id = $1`, [sessionId, event.data.score]);
      return;
    case 'SessionConcluded':
      // Only an integration that has a URL when the session concludes is sent its result (a later URL does not reach back).
      await tx.query(
        `INSERT INTO webhook_deliveries (delivery_key, session_id, integration, student, score, conclusion, comment, concluded_at, status, next_attempt_at)
         SELECT $5, s.session_id, s.integration, s.student, s.score, $2, $3, $4, 'due', $4
           FROM webhook_sessions s JOIN webhook_endpoints e ON e.integration = s.integration
          WHERE s.session_id = $1
         ON CONFLICT (delivery_key) DO NOTHING`,
        [sessionId, event.data.conclusion, event.data.comment, event.data.at, deliveryKey(sessionId, version)],
      );
      return;
    default:
      return assertNever(event, 'session event');
  }
}

async function applyDelivery(tx: Sql, event: DeliveryEvent, key: string): Promise<void> {
  switch (event.type) {
    case 'WebhookDeliveryScheduled':
      await tx.query(`UPDATE webhook_deliveries SET status = 'pending', delivery_id = $2 WHERE delivery_key = $1`, [key, event.data.deliveryId]);
      return;
    case 'WebhookDeliveryAttempted': {
      const d = event.data;
      await tx.query(
        `UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4, last_attempt_at = $5, next_attempt_at = $6 WHERE delivery_key = $1`,
        [key, d.attempt, d.statusCode, d.error, d.at, d.nextAttemptAt],
      );
      return;
    }
    case 'WebhookDelivered':
    case 'WebhookDeliveryFailed':
      await tx.query(`UPDATE webhook_deliveries SET status = $2, next_attempt_at = NULL WHERE delivery_key = $1`, [key, event.type === 'WebhookDelivered' ? 'delivered' : 'failed']);
      return;
    default:
      return assertNever(event, 'delivery event');
  }
}
