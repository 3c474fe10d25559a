import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

const SECRET = 'lms-shared-secret-0123456789abcdef';
const OPEN = `mutation($t: String!) { openIntegrationSession(token: $t) { link token session { id name student duration createdBy status } } }`;

function lmsToken(claims: Record<string, unknown>, options: { secret?: string; iss?: string; exp?: number | string; jti?: string | null; iat?: number } = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.iss ?? 'lms')
    .setIssuedAt(options.iat)
    .setExpirationTime(options.exp ?? '5m');
  if (options.jti !== null) jwt.setJti(options.jti ?? randomUUID());
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

describe('an LMS opening sessions with a signed token', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('creates the session and the test-taker, and returns a link that signs the test-taker in', async () => {
    const token = await lmsToken({ username: 'jdoe', nickname: 'John Doe', identifier: 'moodle-42', subject: 'Final exam', timeout: 90, metrics: 'c2,b2', threshold: 60 });
    const r = await api.gql(OPEN, { t: token });
    expect(r.errors).toBeUndefined();
    const opened = r.data!.openIntegrationSession;
    expect(opened.session).toEqual({ id: 'moodle-42', name: 'Final exam', student: 'jdoe', duration: 90, createdBy: 'lms', status: 'scheduled' });
    expect(opened.link).toMatch(/^http:\/\/proctor\.test\/#\/exam\/moodle-42\?token=/);
    const me = await api.gql(`{ me { username role displayName } session(id: "moodle-42") { id } }`, {}, opened.token);
    expect(me.data).toEqual({ me: { username: 'jdoe', role: 'student', displayName: 'John Doe' }, session: { id: 'moodle-42' } });
  });

  it('creates a self-scheduled session with a second camera when the token says schedule and secondCamera', async () => {
    const token = await lmsToken({ username: 'kim', identifier: 'moodle-50', subject: 'Oral exam', timeout: 30, schedule: true, secondCamera: 'true' });
    const r = await api.gql(OPEN, { t: token });
    expect(r.errors).toBeUndefined();
    const s = await api.as('admin', `{ session(id: "moodle-50") { selfScheduling secondCamera proctor } }`);
    expect(s.session).toEqual({ selfScheduling: true, secondCamera: true, proctor: null });
    const bad = await api.gql(OPEN, { t: await lmsToken({ username: 'kim', identifier: 'moodle-51', schedule: 'maybe' }) });
    expect(bad.errors?.[0]).toMatchObject({ message: 'the integration token\'s schedule is not true or false', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('opens the same session again for a second token with the same identifier', async () => {
    const claims = { username: 'asmith', identifier: 'moodle-43', subject: 'Quiz', timeout: 30 };
    const first = await api.gql(OPEN, { t: await lmsToken(claims) });
    const second = await api.gql(OPEN, { t: await lmsToken(claims) });
    expect(second.data!.openIntegrationSession.session.id).toBe(first.data!.openIntegrationSession.session.id);
  });

  it('refuses an expired token, a wrong signature, an unknown integration, and missing claims', async () => {
    const claims = { username: 'x1', identifier: 'moodle-44', subject: 'Quiz' };
    const expired = await api.gql(OPEN, { t: await lmsToken(claims, { exp: Math.floor(Date.now() / 1000) - 60 }) });
    expect(expired.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(expired.errors?.[0].message).toMatch(/expired/);
    const forged = await api.gql(OPEN, { t: await lmsToken(claims, { secret: 'not-the-secret-not-the-secret-000000' }) });
    expect(forged.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const unknown = await api.gql(OPEN, { t: await lmsToken(claims, { iss: 'nobody' }) });
    expect(unknown.errors?.[0]).toMatchObject({ message: 'unknown integration nobody', extensions: { code: 'UNAUTHENTICATED' } });
    const missing = await api.gql(OPEN, { t: await lmsToken({ identifier: 'moodle-45' }) });
    expect(missing.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(missing.errors?.[0].message).toMatch(/username/);
    const garbage = await api.gql(OPEN, { t: 'garbage' });
    expect(garbage.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('does not let one integration reach another\'s session', async () => {
    await api.gql(OPEN, { t: await lmsToken({ username: 'p1', identifier: 'moodle-46', subject: 'Quiz' }) });
    const other = await api.gql(OPEN, {
      t: await lmsToken({ username: 'p1', identifier: 'moodle-46', subject: 'Quiz' }, { iss: 'lms2', secret: 'lms2-shared-secret-0123456789abcde' }),
    });
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(other.errors?.[0].message).toMatch(/not registered by the integration lms2/);
    // Nor a session of its own for a test-taker another integration (or an administrator) registered.
    const stranger = await api.gql(OPEN, {
      t: await lmsToken({ username: 'student1', identifier: 'lms2-own', subject: 'Quiz' }, { iss: 'lms2', secret: 'lms2-shared-secret-0123456789abcde' }),
    });
    expect(stranger.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await api.as('admin', `{ sessions(query: "^lms2-own$") { totalCount } }`)).sessions.totalCount).toBe(0);
  });

  it('opens each signed link once: the same jti again is refused', async () => {
    const token = await lmsToken({ username: 'once', identifier: 'moodle-60', subject: 'Quiz' });
    expect((await api.gql(OPEN, { t: token })).errors).toBeUndefined();
    const again = await api.gql(OPEN, { t: token });
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(again.errors?.[0].message).toMatch(/used already/);
  });

  it('refuses a token without jti, one that expires more than 10 minutes ahead, and one issued in the future', async () => {
    const claims = { username: 'later', identifier: 'moodle-61', subject: 'Quiz' };
    const noJti = await api.gql(OPEN, { t: await lmsToken(claims, { jti: null }) });
    expect(noJti.errors?.[0].message).toMatch(/jti/);
    const tenYears = await api.gql(OPEN, { t: await lmsToken(claims, { exp: '3650d' }) });
    expect(tenYears.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(tenYears.errors?.[0].message).toMatch(/more than 10 minutes ahead/);
    const future = await api.gql(OPEN, { t: await lmsToken(claims, { iat: Math.floor(Date.now() / 1000) + 3600 }) });
    expect(future.errors?.[0].message).toMatch(/issued in the future/);
    expect((await api.gql(OPEN, { t: await lmsToken(claims, { exp: '9m' }) })).errors).toBeUndefined();
  });

  it('binds the link\'s token to its session: the test-taker\'s other sessions are out of its reach', async () => {
    const opened = (await api.gql(OPEN, { t: await lmsToken({ username: 'bound', identifier: 'moodle-70', subject: 'Quiz' }) })).data!.openIntegrationSession;
    // Another session of the same test-taker, by the same integration, and one by an administrator.
    await api.gql(OPEN, { t: await lmsToken({ username: 'bound', identifier: 'moodle-71', subject: 'Other quiz' }) });
    await api.createSession('admin-for-bound', { student: 'bound' }, 'admin');
    const list = await api.gql(`{ sessions { totalCount edges { node { id } } } }`, {}, opened.token);
    expect(list.data!.sessions).toEqual({ totalCount: 1, edges: [{ node: { id: 'moodle-70' } }] });
    for (const id of ['moodle-71', 'admin-for-bound']) {
      const read = await api.gql(`query($id: ID!) { session(id: $id) { id } }`, { id }, opened.token);
      expect(read.errors?.[0].extensions?.code, id).toBe('NOT_FOUND');
      const write = await api.gql(`mutation($id: ID!) { checkIn(id: $id, userAgent: "ua") { id } }`, { id }, opened.token);
      expect(write.errors?.[0].extensions?.code, id).toBe('NOT_FOUND');
    }
    expect((await api.gql(`mutation { checkIn(id: "moodle-70", userAgent: "ua") { status } }`, {}, opened.token)).data).toEqual({ checkIn: { status: 'waiting' } });
  });
});
