import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { deliveryDecider, nextAttemptAfter, RETRY_FOR_MS, type DeliveryCommand, type DeliveryEvent, type SessionResult } from './delivery.js';
import { endpointDecider, type EndpointEvent } from './endpoint.js';

const NOW = new Date('2026-03-02T08:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();
const admin: Actor = { id: 'admin', role: 'admin' };
const system: Actor = { id: 'system', role: 'system' };
const meta = (seconds = 0, actor = admin) => ({ now: at(seconds), actor, commandId: `c${seconds}` });

describe('an integration\'s webhook URL', () => {
  const spec = specFor(endpointDecider);
  const set = (url: string | null) => ({ type: 'SetWebhookUrl' as const, data: { integration: 'lms', url }, metadata: meta() });
  const wasSet: EndpointEvent = { type: 'WebhookUrlSet', data: { integration: 'lms', url: 'https://lms.example/hook', by: 'admin', at: NOW.toISOString() } };

  it('is set to an http or https URL', () => {
    spec([]).when(set('https://lms.example/hook')).then([wasSet]);
    spec([]).when(set('http://127.0.0.1:8080/x?y=1')).thenMatch([{ type: 'WebhookUrlSet', data: { url: 'http://127.0.0.1:8080/x?y=1' } }]);
  });
  it('is cleared with null or blank, and setting the same again is a no-op', () => {
    spec([wasSet]).when(set(null)).then([{ type: 'WebhookUrlCleared', data: { integration: 'lms', by: 'admin', at: NOW.toISOString() } }]);
    spec([wasSet]).when(set('  ')).thenMatch([{ type: 'WebhookUrlCleared' }]);
    spec([wasSet]).when(set('https://lms.example/hook')).then([]);
    spec([]).when(set(null)).then([]);
  });
  it('refuses other schemes, relative URLs, credentials, control characters and overlong URLs', () => {
    spec([]).when(set('ftp://lms.example/hook')).thenThrows(ValidationError, /http or https/);
    spec([]).when(set('javascript:alert(1)')).thenThrows(ValidationError, /http or https/);
    spec([]).when(set('/hook')).thenThrows(ValidationError, /absolute/);
    spec([]).when(set('https://user:pw@lms.example/hook')).thenThrows(ValidationError, /password/);
    spec([]).when(set('https://lms.example/a\u0000b')).thenThrows(ValidationError, /control/);
    spec([]).when(set('https://lms.example/a b')).thenThrows(ValidationError, /spaces/);
    spec([]).when(set(`https://lms.example/${'a'.repeat(2000)}`)).thenThrows(ValidationError, /limit is 2000/);
  });
});

describe('a result delivery', () => {
  const spec = specFor(deliveryDecider);
  const result: SessionResult = {
    sessionId: 's1', student: 'student1', score: 87.5, conclusion: 'positive', comment: null, protocolUrl: 'http://proctor.test/#/protocol/s1', concludedAt: NOW.toISOString(),
  };
  const giveUpAt = new Date(NOW.getTime() + RETRY_FOR_MS).toISOString();
  const scheduled: DeliveryEvent = { type: 'WebhookDeliveryScheduled', data: { deliveryId: 'd1', integration: 'lms', result, giveUpAt, at: iso(0) } };
  const attempt = (n: number, seconds: number, statusCode: number | null, error: string | null = null): DeliveryCommand =>
    ({ type: 'RecordDeliveryAttempt', data: { attempt: n, statusCode, error }, metadata: meta(seconds, system) });
  const failed = (n: number, seconds: number, next: number): DeliveryEvent =>
    ({ type: 'WebhookDeliveryAttempted', data: { deliveryId: 'd1', attempt: n, statusCode: 500, error: null, nextAttemptAt: iso(next), at: iso(seconds) } });

  it('is scheduled once, to give up 24 h after the conclusion', () => {
    spec([]).when({ type: 'ScheduleDelivery', data: { deliveryId: 'd1', integration: 'lms', result }, metadata: meta(0, system) }).then([scheduled]);
    spec([scheduled]).when({ type: 'ScheduleDelivery', data: { deliveryId: 'd2', integration: 'lms', result }, metadata: meta(5, system) }).then([]);
  });
  it('records a failed attempt with the next one after a growing wait', () => {
    spec([scheduled]).when(attempt(1, 0, 500)).then([failed(1, 0, 10)]);
    spec([scheduled, failed(1, 0, 10)]).when(attempt(2, 10, null, 'socket hang up')).then([
      { type: 'WebhookDeliveryAttempted', data: { deliveryId: 'd1', attempt: 2, statusCode: null, error: 'socket hang up', nextAttemptAt: iso(40), at: iso(10) } },
    ]);
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((n) => (nextAttemptAfter(n, NOW, new Date(giveUpAt)).getTime() - NOW.getTime()) / 1000)).toEqual([10, 30, 60, 300, 900, 1800, 3600, 3600]);
  });
  it('is delivered by a 2xx answer', () => {
    spec([scheduled, failed(1, 0, 10)]).when(attempt(2, 10, 204)).then([
      { type: 'WebhookDeliveryAttempted', data: { deliveryId: 'd1', attempt: 2, statusCode: 204, error: null, nextAttemptAt: null, at: iso(10) } },
      { type: 'WebhookDelivered', data: { deliveryId: 'd1', attempts: 2, at: iso(10) } },
    ]);
  });
  it('tries one last time at the 24 h mark and then gives up', () => {
    const day = RETRY_FOR_MS / 1000;
    spec([scheduled]).when(attempt(1, day - 5, 503)).thenMatch([{ data: { nextAttemptAt: giveUpAt } }]);
    spec([scheduled, failed(1, day - 5, day)]).when(attempt(2, day, 503)).then([
      { type: 'WebhookDeliveryAttempted', data: { deliveryId: 'd1', attempt: 2, statusCode: 503, error: null, nextAttemptAt: null, at: giveUpAt } },
      { type: 'WebhookDeliveryFailed', data: { deliveryId: 'd1', attempts: 2, at: giveUpAt } },
    ]);
  });
  it('refuses an attempt another node recorded already, and any attempt once settled', () => {
    spec([scheduled, failed(1, 0, 10)]).when(attempt(1, 10, 500)).thenThrows(IllegalStateError, /not the next/);
    spec([scheduled, { type: 'WebhookDelivered', data: { deliveryId: 'd1', attempts: 1, at: iso(0) } }]).when(attempt(2, 10, 500)).thenThrows(IllegalStateError, /delivered/);
    spec([]).when(attempt(1, 0, 500)).thenThrows(IllegalStateError, /no such/);
  });
  it('refuses an impossible status code or an attempt that says nothing', () => {
    spec([scheduled]).when(attempt(1, 0, 999)).thenThrows(ValidationError, /status code/);
    spec([scheduled]).when(attempt(1, 0, null)).thenThrows(ValidationError, /went wrong/);
  });
});
