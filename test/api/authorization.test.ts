import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

/**
 * Every operation × every kind of caller. The session under test was created by the integrator `lms`, for
 * student1, proctored by proctor1; proctor2, student2 and lms2 are strangers to it. "allowed" means the answer is
 * anything but FORBIDDEN/UNAUTHENTICATED/NOT_FOUND (a state conflict still proves the caller got through). A stranger
 * whose role may do this to its own sessions is told the session does not exist (NOT_FOUND: ids cannot be probed);
 * a role that may never do it is FORBIDDEN.
 */
const CALLERS = ['anonymous', 'admin', 'proctor1', 'proctor2', 'student1', 'student2', 'auditor1', 'lms', 'lms2'] as const;
type Caller = (typeof CALLERS)[number];
const READERS: Caller[] = ['admin', 'proctor1', 'student1', 'auditor1', 'lms'];
/** The caller of the same role to whom the session under test belongs. */
const PEER: Partial<Record<Caller, Caller>> = { proctor2: 'proctor1', student2: 'student1', lms2: 'lms' };

const OPERATIONS: Array<[string, string, Caller[]]> = [
  ['read the session', `{ session(id: "$S") { id } }`, ['admin', 'proctor1', 'student1', 'auditor1', 'lms']],
  ['list sessions', `{ sessions { totalCount } }`, ['admin', 'proctor1', 'proctor2', 'student1', 'student2', 'auditor1', 'lms', 'lms2']],
  ['read the raw events', `{ sessionEvents(id: "$S") { type } }`, ['admin', 'auditor1', 'lms']],
  ['verify the stream', `{ verifyStream(id: "$S") { ok } }`, ['admin', 'auditor1', 'lms']],
  ['open the stream for replay', `mutation { openReplay(id: "$S") { streamId } }`, ['admin', 'auditor1']],
  ['list export fields', `{ exportFields { name } }`, ['admin', 'proctor1', 'proctor2', 'student1', 'student2', 'auditor1', 'lms', 'lms2']],
  ['create a session', `mutation { createSession(input: { id: "new-$N", name: "n", student: "student1", duration: 10 }) { id } }`, ['admin', 'lms', 'lms2']],
  ['assign a proctor', `mutation { assignProctor(id: "$S", proctor: "proctor1") { id } }`, ['admin', 'lms']],
  ['cancel', `mutation { cancelSession(id: "$S", reason: "r") { id } }`, ['admin', 'lms']],
  ['check in', `mutation { checkIn(id: "$S", userAgent: "ua") { id } }`, ['admin', 'student1']],
  ['submit an identity photo', `mutation { submitIdentityPhoto(id: "$S", photoId: "p$N", kind: "face") { id } }`, ['admin', 'student1']],
  ['verify identity', `mutation { verifyIdentity(id: "$S") { id } }`, ['admin', 'proctor1']],
  ['start', `mutation { startSession(id: "$S") { id } }`, ['admin', 'student1']],
  ['record metrics', `mutation { recordMetrics(sessionId: "$S", minute: $N, values: []) { id } }`, ['admin', 'student1']],
  ['record a violation', `mutation { recordViolation(sessionId: "$S", code: "b2") { id } }`, ['admin', 'student1']],
  ['send a message', `mutation { sendMessage(sessionId: "$S", text: "hi") { id } }`, ['admin', 'proctor1', 'student1']],
  ['send an incident', `mutation { sendMessage(sessionId: "$S", text: "stop", incident: true) { id } }`, ['admin', 'proctor1']],
  ['join as proctor', `mutation { joinSession(id: "$S") { id } }`, ['admin', 'proctor1']],
  ['add a note', `mutation { addNote(sessionId: "$S", text: "n") { id } }`, ['admin', 'proctor1']],
  ['pause', `mutation { pauseSession(id: "$S") { id } }`, ['admin', 'proctor1']],
  ['finish', `mutation { finishSession(id: "$S") { id } }`, ['admin', 'proctor1', 'student1', 'lms']],
  ['conclude', `mutation { concludeSession(id: "$S", conclusion: positive) { id } }`, ['admin', 'proctor1']],
  ['ask which media engine runs', `{ mediaEngine }`, ['anonymous', 'admin', 'proctor1', 'proctor2', 'student1', 'student2', 'auditor1', 'lms', 'lms2']],
  ['publish media to Janus', `mutation { publishMedia(sessionId: "$S", track: "camera", sdp: "v=0") }`, ['admin', 'student1']],
  ['stop publishing to Janus', `mutation { unpublishMedia(sessionId: "$S", track: "camera") }`, ['admin', 'student1']],
  ['watch media through Janus', `mutation { watchMedia(sessionId: "$S", active: false) { watchId } }`, ['admin', 'proctor1']],
  ['answer a Janus offer', `mutation { startWatching(sessionId: "$S", watchId: "w", sdp: "v=0") }`, ['admin', 'proctor1']],
  ['change a watch\'s quality', `mutation { setWatchQuality(sessionId: "$S", watchId: "w", active: true) }`, ['admin', 'proctor1']],
  ['stop watching', `mutation { stopWatching(sessionId: "$S", watchId: "w") }`, ['admin', 'proctor1']],
  ['ask for a mobile camera link', `mutation { mobileCameraLink(sessionId: "$S") { url } }`, ['student1']],
  ['list accounts', `{ accounts { username } }`, ['admin', 'proctor1', 'proctor2', 'auditor1']],
  ['register an account', `mutation { registerAccount(username: "u$N", role: "student", password: "pass1234") { username } }`, ['admin']],
  ['list disabled accounts too', `{ accounts(includeDisabled: true) { username disabled } }`, ['admin']],
  ['reset a password', `mutation { resetPassword(username: "nobody$N", password: "pass1234") { username } }`, ['admin']],
  ['disable an account', `mutation { disableAccount(username: "nobody$N", reason: "left") { username } }`, ['admin']],
  ['enable an account', `mutation { enableAccount(username: "nobody$N") { username } }`, ['admin']],
  ['change one\'s own password', `mutation { changePassword(currentPassword: "wrong", newPassword: "pass1234") { token } }`,
    ['admin', 'proctor1', 'proctor2', 'student1', 'student2', 'auditor1', 'lms', 'lms2']],
  ['read one\'s calendar', `{ slots(from: "2030-01-01T00:00:00Z", to: "2030-01-08T00:00:00Z") { start } }`, ['admin', 'proctor1', 'proctor2', 'auditor1']],
  ['read proctor1\'s calendar', `{ slots(from: "2030-01-01T00:00:00Z", to: "2030-01-08T00:00:00Z", proctor: "proctor1") { start } }`, ['admin', 'proctor1', 'auditor1']],
  ['open slots in proctor1\'s calendar', `mutation { openSlots(slots: [{ start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" }], proctor: "proctor1") { start } }`, ['admin', 'proctor1']],
  ['close a slot of proctor1', `mutation { closeSlot(start: "2030-02-01T10:00:00Z", proctor: "proctor1") }`, ['admin', 'proctor1']],
  ['see the slots the session may book', `{ availableSlots(sessionId: "$S") { start } }`, ['admin', 'student1']],
  ['book a slot for the session', `mutation { bookSlot(sessionId: "$S", proctor: "proctor1", start: "2030-01-01T10:00:00Z") { id } }`, ['admin', 'student1']],
];

describe('the authorisation matrix', () => {
  let api: TestApi;
  let n = 0;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  for (const [name, template, allowed] of OPERATIONS) {
    describe(`when someone tries to ${name}`, () => {
      for (const caller of CALLERS) {
        const verdict = allowed.includes(caller) ? 'lets' : 'refuses';
        it(`${verdict} ${caller}`, async () => {
          n += 1;
          const sessionId = `authz-${n}`;
          await api.createSession(sessionId, {}, 'lms');
          const query = template.replaceAll('$S', sessionId).replaceAll('$N', String(n));
          const code = await api.errorCode(caller === 'anonymous' ? null : caller, query);
          const peer = PEER[caller];
          const hidden = template.includes('$S') && !READERS.includes(caller) && peer !== undefined && allowed.includes(peer);
          if (verdict === 'lets') expect(['FORBIDDEN', 'UNAUTHENTICATED', 'NOT_FOUND']).not.toContain(code);
          else expect(code).toBe(caller === 'anonymous' ? 'UNAUTHENTICATED' : hidden ? 'NOT_FOUND' : 'FORBIDDEN');
        });
      }
    });
  }

  it('lists only the sessions a caller may read, in lists and counts', async () => {
    await api.createSession('mine-1', { student: 'student2', proctor: 'proctor2' });
    const p2 = await api.as('proctor2', `{ sessions(first: 500) { totalCount edges { node { proctor } } } }`);
    expect(p2.sessions.totalCount).toBeGreaterThan(0);
    expect(p2.sessions.edges.every((e: { node: { proctor: string } }) => e.node.proctor === 'proctor2')).toBe(true);
    const s2 = await api.as('student2', `{ sessions(first: 500) { totalCount edges { node { student } } } }`);
    expect(s2.sessions.edges.every((e: { node: { student: string } }) => e.node.student === 'student2')).toBe(true);
    const lms2 = await api.as('lms2', `{ sessions(first: 500) { totalCount edges { node { createdBy } } } }`);
    expect(lms2.sessions.edges.map((e: { node: { createdBy: string } }) => e.node.createdBy)).toEqual(lms2.sessions.edges.map(() => 'lms2'));
    const lms = await api.as('lms', `{ sessions(first: 500) { totalCount } }`);
    expect(lms.sessions.totalCount).toBeGreaterThan(lms2.sessions.totalCount);
  });
});
