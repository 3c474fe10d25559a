import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookDeliverer } from '../../src/app/webhooks/deliverer.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { deliveryStreamId } from '../../src/domain/webhook/delivery.js';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { PASSWORD, startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { startReceiver, verifies } from '../support/webhook-receiver.js';

const SECRETS: Record<string, string> = { lms: 'lms-shared-secret-0123456789abcdef', lms2: 'lms2-shared-secret-0123456789abcde', lms3: 'lms3-shared-secret-0123456789abcde' };
const SET = `mutation($u: String!, $url: String) { setWebhookUrl(username: $u, url: $url) { integration url } }`;
const PAGE = `query($u: String!) { integrationWebhook(username: $u) { url deliveries { sessionId deliveryId status attempts lastStatus lastError nextAttemptAt } } }`;
const COMMENT = 'Calm and focused throughout.';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`the result webhook ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    await api.core.account('lms3', 'RegisterAccount', { username: 'lms3', role: 'integrator', passwordHash: await hashPassword(PASSWORD) }, SYSTEM_ACTOR);
    await api.core.account('lms3', 'SetIntegrationSecret', { secret: SECRETS.lms3 }, SYSTEM_ACTOR);
  });
  afterAll(async () => {
    await api.close();
  });

  /** A session the integration created, run and concluded by the proctor: answers when it concluded. */
  async function concluded(id: string, integration: string): Promise<void> {
    await api.createSession(id, {}, integration);
    await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
    await api.as('proctor1', `mutation($c: String) { finishSession(id: "${id}", conclusion: positive, comment: $c) { id } }`, { c: COMMENT });
  }

  /** A deliverer on a clock the test moves: `at(s)` is s seconds after the test began. */
  /** A node's deliverer on a clock of its own that starts at `start` (two nodes ticking "at the same moment" share it). */
  function deliverer(start = Date.now()) {
    let now = start;
    const node = new WebhookDeliverer(api.core, { publicUrl: api.config.publicUrl, clock: () => new Date(now) });
    return { node, tick: (seconds: number) => node.tick(new Date((now = start + seconds * 1000))), at: (s: number) => new Date(start + s * 1000) };
  }

  it('posts the signed result, retries after a 500 and a dropped connection with the same delivery id, and records three attempts', async () => {
    const receiver = await startReceiver([500, 'drop'], 204);
    try {
      expect((await api.as('lms', SET, { u: 'lms', url: receiver.url })).setWebhookUrl).toEqual({ integration: 'lms', url: receiver.url });
      await concluded('wh-1', 'lms');
      const { tick, at } = deliverer();

      expect(await tick(0)).toMatchObject([{ attempt: 1, statusCode: 500, error: null }]);
      expect(await tick(5)).toEqual([]); // the second attempt is due 10 s after the first
      const [second] = await tick(10);
      expect(second).toMatchObject({ attempt: 2, statusCode: null });
      expect(second.error).toMatch(/socket|closed|reset|terminated/i);
      expect(await tick(39)).toEqual([]);
      expect(await tick(40)).toMatchObject([{ attempt: 3, statusCode: 204, error: null }]);
      expect(await tick(3600)).toEqual([]);

      expect(receiver.received).toHaveLength(3);
      const [first] = receiver.received;
      const ids = new Set(receiver.received.map((r) => r.headers['x-delivery-id']));
      expect(ids.size).toBe(1);
      receiver.received.forEach((r, i) => {
        expect(r.body, 'the same bytes on every attempt').toBe(first.body);
        expect(verifies(SECRETS.lms, r, Math.floor(at([0, 10, 40][i]).getTime() / 1000)), `attempt ${i + 1} verifies`).toBe(true);
        expect(verifies(SECRETS.lms2, r, Math.floor(at([0, 10, 40][i]).getTime() / 1000)), 'not with another secret').toBe(false);
        expect(Number(r.headers['x-timestamp'])).toBe(Math.floor(at([0, 10, 40][i]).getTime() / 1000));
        expect(r.headers['content-type']).toBe('application/json');
      });
      const { session } = await api.as('admin', `{ session(id: "wh-1") { score } }`);
      const conclusion = (await api.core.store.readStream('session-wh-1')).find((e) => e.type === 'SessionConcluded')!;
      expect(JSON.parse(first.body)).toEqual({
        sessionId: 'wh-1', student: 'student1', score: session.score, conclusion: 'positive', comment: COMMENT, protocolUrl: 'http://proctor.test/#/protocol/wh-1', concludedAt: (conclusion.data as { at: string }).at,
      });

      const page = (await api.as('lms', PAGE, { u: 'lms' })).integrationWebhook;
      expect(page.deliveries).toEqual([{ sessionId: 'wh-1', deliveryId: [...ids][0], status: 'delivered', attempts: 3, lastStatus: 204, lastError: null, nextAttemptAt: null }]);
      const stream = await api.core.store.readStream(deliveryStreamId('wh-1@' + (await sessionConcludedVersion('wh-1'))));
      expect(stream.map((e) => e.type)).toEqual(['WebhookDeliveryScheduled', 'WebhookDeliveryAttempted', 'WebhookDeliveryAttempted', 'WebhookDeliveryAttempted', 'WebhookDelivered']);
      expect(stream.filter((e) => e.type === 'WebhookDeliveryAttempted').map((e) => (e.data as { statusCode: number | null }).statusCode)).toEqual([500, null, 204]);
    } finally {
      await receiver.close();
    }
  });

  async function sessionConcludedVersion(id: string): Promise<number> {
    const events = await api.core.store.readStream(`session-${id}`);
    return events.filter((e) => e.type === 'SessionConcluded').at(-1)!.streamVersion;
  }

  it('gives up 24 hours after the conclusion when the receiver never accepts, and records that', async () => {
    const receiver = await startReceiver([], 503);
    try {
      await api.as('admin', SET, { u: 'lms2', url: receiver.url });
      await concluded('wh-2', 'lms2');
      const { tick, at } = deliverer();
      let seconds = 0;
      for (let pass = 0; pass < 60; pass++) {
        await tick(seconds);
        const [row] = (await api.as('lms2', PAGE, { u: 'lms2' })).integrationWebhook.deliveries;
        if (row.status !== 'pending') break;
        seconds = (Date.parse(row.nextAttemptAt) - at(0).getTime()) / 1000;
      }
      const [row] = (await api.as('lms2', PAGE, { u: 'lms2' })).integrationWebhook.deliveries;
      expect(row).toMatchObject({ status: 'failed', lastStatus: 503, nextAttemptAt: null });
      expect(row.attempts).toBe(receiver.received.length);
      expect(seconds).toBeGreaterThanOrEqual(24 * 3600 - 60);
      expect(seconds).toBeLessThanOrEqual(24 * 3600 + 60);
      expect(await tick(48 * 3600)).toEqual([]);
      const stream = await api.core.store.readStream(deliveryStreamId(`wh-2@${await sessionConcludedVersion('wh-2')}`));
      expect(stream.at(-1)).toMatchObject({ type: 'WebhookDeliveryFailed', data: { attempts: row.attempts } });
    } finally {
      await receiver.close();
    }
  });

  it('picks up a pending delivery after a restart, under the same delivery id', async () => {
    const receiver = await startReceiver([500], 200);
    try {
      await api.as('admin', SET, { u: 'lms3', url: receiver.url });
      await concluded('wh-3', 'lms3');
      const before = deliverer();
      expect(await before.tick(0)).toMatchObject([{ attempt: 1, statusCode: 500 }]);
      await before.node.stop();
      const after = deliverer(); // a new process: it knows only what the store and the read model hold
      expect(await after.tick(10)).toMatchObject([{ attempt: 2, statusCode: 200 }]);
      expect(receiver.received.map((r) => r.headers['x-delivery-id'])).toEqual([receiver.received[0].headers['x-delivery-id'], receiver.received[0].headers['x-delivery-id']]);
      expect((await api.as('admin', PAGE, { u: 'lms3' })).integrationWebhook.deliveries[0]).toMatchObject({ sessionId: 'wh-3', status: 'delivered', attempts: 2 });
    } finally {
      await receiver.close();
    }
  });

  it('sends an attempt once when two nodes tick at the same moment, and follows no redirect', async () => {
    const receiver = await startReceiver([302], 200);
    try {
      await api.as('admin', SET, { u: 'lms3', url: receiver.url });
      await concluded('wh-4', 'lms3');
      // One start for both: whichever node wins the first attempt, the retry is due 10 s after it on a's clock too
      // (with a start each, a's 10 s came before b's when b sent the first).
      const start = Date.now();
      const a = deliverer(start);
      const b = deliverer(start);
      const outcomes = (await Promise.all([a.tick(0), b.tick(0)])).flat();
      expect(outcomes).toMatchObject([{ attempt: 1, statusCode: 302 }]);
      expect(receiver.received).toHaveLength(1);
      expect(await a.tick(10)).toMatchObject([{ attempt: 2, statusCode: 200 }]);
      expect(receiver.received.map((r) => r.headers.host)).toEqual([new URL(receiver.url).host, new URL(receiver.url).host]);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a URL that is not http(s), overlong or has control characters, and lets only an administrator or the integration set it', async () => {
    for (const bad of ['ftp://lms.example/hook', 'javascript:alert(1)', 'not a url', `https://lms.example/${'x'.repeat(2001)}`, 'https://lms.example/\u0007', 'https://u:p@lms.example/']) {
      expect(await api.errorCode('lms', SET, { u: 'lms', url: bad }), bad.slice(0, 30)).toBe('BAD_USER_INPUT');
    }
    expect(await api.errorCode('lms2', SET, { u: 'lms', url: 'https://lms.example/hook' })).toBe('FORBIDDEN');
    expect(await api.errorCode('proctor1', SET, { u: 'proctor1', url: 'https://lms.example/hook' })).toBe('FORBIDDEN');
    expect(await api.errorCode('student1', PAGE, { u: 'lms' })).toBe('FORBIDDEN');
    expect(await api.errorCode('admin', SET, { u: 'student1', url: 'https://lms.example/hook' })).toBe('NOT_FOUND');
    expect(await api.errorCode(null, PAGE, { u: 'lms' })).toBe('UNAUTHENTICATED');
    expect((await api.as('admin', SET, { u: 'lms', url: null })).setWebhookUrl).toEqual({ integration: 'lms', url: null });
  });

  it('sends nothing for a session that concludes while its integration has no URL', async () => {
    await api.as('lms', SET, { u: 'lms', url: '' });
    await concluded('wh-5', 'lms');
    expect(await deliverer().tick(0)).toEqual([]);
    expect((await api.as('lms', PAGE, { u: 'lms' })).integrationWebhook.deliveries.map((d: { sessionId: string }) => d.sessionId)).toEqual(['wh-1']);
  });
});
