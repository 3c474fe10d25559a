import { createHmac } from 'node:crypto';
import type { SessionResult } from '../../domain/webhook/delivery.js';

/** The body we post: the result's fields in a fixed order, so every attempt of a delivery sends the same bytes. */
export function resultBody(r: SessionResult): string {
  return JSON.stringify({
    sessionId: r.sessionId, student: r.student, score: r.score, conclusion: r.conclusion, comment: r.comment, protocolUrl: r.protocolUrl, concludedAt: r.concludedAt,
  });
}

/** Hex HMAC-SHA256 of `${timestamp}.${body}`: the receiver recomputes it with the integration's secret. */
export function signature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The headers of one attempt (`timestamp` in Unix seconds). The delivery id stays the same on every retry. */
export function signedHeaders(secret: string, deliveryId: string, timestamp: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'proctor-webhook/1',
    'x-delivery-id': deliveryId,
    'x-timestamp': String(timestamp),
    'x-signature': `sha256=${signature(secret, timestamp, body)}`,
  };
}
