import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/api/auth/tokens.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { WEBM } from '../support/webm.js';

const LINK = `mutation($s: ID!) { mobileCameraLink(sessionId: $s) { url expiresAt } }`;
const CONNECT = `mutation($s: ID!) { connectMobileCamera(sessionId: $s, userAgent: "Mozilla/5.0 (Linux; Android 14) Mobile") { sessionId student token expiresAt } }`;
const SIGNAL = `mutation($s: ID!) { signal(sessionId: $s, to: "student1", kind: "mobile-alive") }`;
const webm = WEBM.live;

/** The second camera: a short-lived link for the phone, exchanged for a token that can do nothing but be that camera. */
describe('the mobile camera link', () => {
  let api: TestApi;
  const tokenOf = (url: string) => new URL(url.replace('#/', '')).searchParams.get('token')!;
  const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    api = await startTestApi();
    for (const id of ['phone-1', 'phone-2']) {
      await api.createSession(id, { secondCamera: true });
      await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
      await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
    }
    await api.createSession('no-phone');
  });
  afterAll(async () => {
    await api.close();
  });

  it('gives the test-taker a link to the phone page that expires in five minutes', async () => {
    const { mobileCameraLink } = await api.as('student1', LINK, { s: 'phone-1' });
    expect(mobileCameraLink.url).toMatch(/^http:\/\/proctor\.test\/#\/mobile\/phone-1\?token=/);
    const minutes = (Date.parse(mobileCameraLink.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4.9);
    expect(minutes).toBeLessThanOrEqual(5);
    const session = await api.as('student1', `{ session(id: "phone-1") { secondCamera } }`);
    expect(session.session.secondCamera).toBe(true);
  });

  it('gives no link to anyone else, nor for a session without a second camera', async () => {
    expect(await api.errorCode('student2', LINK, { s: 'phone-1' })).toBe('NOT_FOUND'); // not theirs: as if it did not exist
    expect(await api.errorCode('proctor1', LINK, { s: 'phone-1' })).toBe('FORBIDDEN');
    expect(await api.errorCode(null, LINK, { s: 'phone-1' })).toBe('UNAUTHENTICATED');
    expect(await api.errorCode('student1', LINK, { s: 'no-phone' })).toBe('CONFLICT');
    expect(await api.errorCode('student1', LINK, { s: 'nowhere' })).toBe('NOT_FOUND');
  });

  it('connects the phone with the link (an event) and hands it a token for this session only', async () => {
    const { mobileCameraLink } = await api.as('student1', LINK, { s: 'phone-1' });
    const link = tokenOf(mobileCameraLink.url);
    // The link itself does nothing but connect.
    expect(codeOf(await api.gql(SIGNAL, { s: 'phone-1' }, link))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(`mutation { sendMessage(sessionId: "phone-1", text: "hi") { id } }`, {}, link))).toBe('FORBIDDEN');

    const connected = await api.gql<{ connectMobileCamera: { token: string; student: string; expiresAt: string } }>(CONNECT, { s: 'phone-1' }, link);
    expect(connected.errors).toBeUndefined();
    const phone = connected.data!.connectMobileCamera;
    expect(phone.student).toBe('student1');
    // The link connects one phone: used again (a photo of the QR code passed on), it is refused.
    const again = await api.gql(CONNECT, { s: 'phone-1' }, link);
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(again.errors?.[0].message).toMatch(/used already/);
    expect(Date.parse(phone.expiresAt) - Date.now()).toBeGreaterThan(60 * 60_000); // the exam's hour and more

    const events = await api.as('admin', `{ sessionEvents(id: "phone-1") { type data } }`);
    const event = events.sessionEvents.find((e: { type: string }) => e.type === 'MobileCameraConnected');
    expect(event.data.userAgent).toContain('Android');

    // The phone's token signals and uploads in its session…
    expect((await api.gql(SIGNAL, { s: 'phone-1' }, phone.token)).data).toEqual({ signal: 0 });
    const q = new URLSearchParams({ sessionId: 'phone-1', track: 'mobile', seq: '0', start: new Date().toISOString(), durationMs: '2000' });
    const upload = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: { authorization: `Bearer ${phone.token}` }, body: new Uint8Array(webm) });
    expect(upload.status).toBe(201);
    const listed = await api.gql(`{ sessions { totalCount edges { node { id } } } }`, {}, phone.token);
    expect(listed.data?.sessions.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['phone-1']);

    // …and nothing else: not the student's other session, not the student's actions.
    expect(codeOf(await api.gql(SIGNAL, { s: 'phone-2' }, phone.token))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql(`mutation { recordMetrics(sessionId: "phone-1", minute: 0, values: []) { id } }`, {}, phone.token))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(`mutation { finishSession(id: "phone-1") { id } }`, {}, phone.token))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(LINK, { s: 'phone-1' }, phone.token))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(CONNECT, { s: 'phone-1' }, phone.token))).toBe('FORBIDDEN');
  });

  it('refuses a link for another session, an ordinary sign-in, and an expired link', async () => {
    const { mobileCameraLink } = await api.as('student1', LINK, { s: 'phone-1' });
    expect(codeOf(await api.gql(CONNECT, { s: 'phone-2' }, tokenOf(mobileCameraLink.url)))).toBe('FORBIDDEN');
    expect(await api.errorCode('student1', CONNECT, { s: 'phone-1' })).toBe('FORBIDDEN');
    const expired = await new TokenService(api.config.jwtSecret).issue({ id: 'student1', role: 'student' }, { sessionId: 'phone-1', device: 'mobile-link', ttlSeconds: -10 });
    const r = await api.gql(CONNECT, { s: 'phone-1' }, expired.token);
    expect(codeOf(r)).toBe('UNAUTHENTICATED');
    expect(r.errors?.[0]?.message).toMatch(/expired/);
  });

  it('lets no camera join a session that has ended', async () => {
    const { mobileCameraLink } = await api.as('student1', LINK, { s: 'phone-2' });
    await api.as('student1', `mutation { finishSession(id: "phone-2") { id } }`);
    expect(codeOf(await api.gql(CONNECT, { s: 'phone-2' }, tokenOf(mobileCameraLink.url)))).toBe('CONFLICT');
    expect(await api.errorCode('student1', LINK, { s: 'phone-2' })).toBe('CONFLICT');
  });
});
