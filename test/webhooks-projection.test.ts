import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/core/decider.js';
import { deliveryKey, deliveryStreamId, type DeliveryEvent } from '../src/domain/webhook/delivery.js';
import { endpointStreamId, type EndpointEvent } from '../src/domain/webhook/endpoint.js';
import { deliveriesOf, dueDeliveries, webhookUrlOf } from '../src/projections/webhooks/queries.js';
import { dumpReadModels, openTestCore, type TestCore } from './support/core.js';

const admin: Actor = { id: 'admin', role: 'admin' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };

describe('the webhooks read model', () => {
  let core: TestCore;
  beforeEach(async () => {
    core = await openTestCore();
    await core.runner.start();
  });
  afterEach(async () => {
    await core.close();
  });

  const append = async (streamId: string, events: ReadonlyArray<EndpointEvent | DeliveryEvent>) => {
    await core.store.appendToStream(streamId, events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: {} })), { expectedVersion: 'any' });
    await core.runner.waitForEvent((await core.store.readStream(streamId)).at(-1)!.id, 25_000);
  };
  const setUrl = (integration: string, url: string | null) =>
    append(endpointStreamId(integration), [url === null
      ? { type: 'WebhookUrlCleared', data: { integration, by: 'admin', at: core.now().toISOString() } }
      : { type: 'WebhookUrlSet', data: { integration, url, by: 'admin', at: core.now().toISOString() } }]);
  /** A session created by `integration` (or by an administrator, with null), finished and concluded by its proctor. */
  async function concluded(id: string, integration: string | null) {
    await core.session(id, 'CreateSession', { sessionId: id, name: 'Exam', student: 'student1', proctor: 'proctor1', durationMinutes: 60, integrationId: integration }, admin);
    await core.session(id, 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.session(id, 'StartSession', {}, student);
    core.advance(5);
    const { version } = await core.session(id, 'FinishSession', { conclusion: 'negative', comment: 'phone' }, proctor);
    await core.runner.waitForEvent((await core.store.readStream(`session-${id}`)).at(-1)!.id, 25_000);
    return deliveryKey(id, version);
  }

  it('makes a due delivery of a conclusion only for a session of an integration that has a URL then', async () => {
    await setUrl('lms', 'https://lms.example/hook');
    const key = await concluded('p-1', 'lms');
    await concluded('p-2', 'lms2'); // no URL
    await concluded('p-3', null); // not an integration's
    expect(await webhookUrlOf(core.sql, 'LMS')).toBe('https://lms.example/hook');
    expect(await dueDeliveries(core.sql, core.now())).toMatchObject([{ key, sessionId: 'p-1', integration: 'lms', scheduled: false, student: 'student1', conclusion: 'negative', comment: 'phone' }]);
    expect((await dueDeliveries(core.sql, core.now()))[0].score).toEqual(expect.any(Number));
    await setUrl('lms', null);
    expect(await webhookUrlOf(core.sql, 'lms')).toBeNull();
    expect(await deliveriesOf(core.sql, 'lms2')).toEqual([]);
  });

  it('follows a delivery through its attempts to delivered, and a rebuild gives the same rows', async () => {
    await setUrl('lms', 'https://lms.example/hook');
    const key = await concluded('p-1', 'lms');
    const [due] = await dueDeliveries(core.sql, core.now());
    const at = (s: number) => new Date(core.now().getTime() + s * 1000).toISOString();
    const result = { sessionId: 'p-1', student: 'student1', score: due.score, conclusion: 'negative', comment: 'phone', protocolUrl: 'x', concludedAt: due.concludedAt.toISOString() };
    await append(deliveryStreamId(key), [
      { type: 'WebhookDeliveryScheduled', data: { deliveryId: 'd-1', integration: 'lms', result, giveUpAt: at(86400), at: at(0) } },
      { type: 'WebhookDeliveryAttempted', data: { deliveryId: 'd-1', attempt: 1, statusCode: null, error: 'ECONNREFUSED', nextAttemptAt: at(10), at: at(0) } },
    ]);
    expect(await deliveriesOf(core.sql, 'lms')).toMatchObject([{ key, deliveryId: 'd-1', status: 'pending', attempts: 1, lastStatus: null, lastError: 'ECONNREFUSED', nextAttemptAt: new Date(at(10)) }]);
    expect(await dueDeliveries(core.sql, new Date(at(9)))).toEqual([]);
    expect(await dueDeliveries(core.sql, new Date(at(10)))).toMatchObject([{ key, scheduled: true }]);
    await append(deliveryStreamId(key), [
      { type: 'WebhookDeliveryAttempted', data: { deliveryId: 'd-1', attempt: 2, statusCode: 202, error: null, nextAttemptAt: null, at: at(10) } },
      { type: 'WebhookDelivered', data: { deliveryId: 'd-1', attempts: 2, at: at(10) } },
    ]);
    expect(await deliveriesOf(core.sql, 'lms')).toMatchObject([{ status: 'delivered', attempts: 2, lastStatus: 202, lastError: null, nextAttemptAt: null }]);
    expect(await dueDeliveries(core.sql, new Date(at(99999)))).toEqual([]);

    const live = await dumpReadModels(core.sql);
    await core.runner.stop();
    await core.runner.rebuild();
    expect(await dumpReadModels(core.sql)).toEqual(live);
  });

  it('makes a delivery of each conclusion when an administrator revises one', async () => {
    await setUrl('lms', 'https://lms.example/hook');
    const first = await concluded('p-1', 'lms');
    const { version } = await core.session('p-1', 'ConcludeSession', { conclusion: 'positive', comment: 'reviewed' }, admin);
    await core.runner.waitForEvent((await core.store.readStream('session-p-1')).at(-1)!.id, 25_000);
    const rows = await dueDeliveries(core.sql, core.now());
    expect(rows.map((r) => [r.key, r.conclusion])).toEqual([[first, 'negative'], [deliveryKey('p-1', version), 'positive']]);
  });
});
