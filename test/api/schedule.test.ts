import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

/** Tomorrow (UTC) at `hour`:00, as ISO: always in the future. */
function tomorrowAt(hour: number, minutes = 0): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCHours(hour, minutes, 0, 0);
  return d.toISOString();
}
const SLOT = `proctor start end seats booked closed sessions`;

describe('proctors open slots and test-takers book their exam into one', () => {
  let api: TestApi;
  const slotsOf = async (proctor: string) => {
    const from = tomorrowAt(0);
    const to = new Date(Date.parse(from) + 86_400_000).toISOString();
    return (await api.as('admin', `query($f: DateTimeISO!, $t: DateTimeISO!, $p: String) { slots(from: $f, to: $t, proctor: $p) { ${SLOT} } }`, { f: from, t: to, p: proctor })).slots;
  };
  const available = async (student: string, sessionId: string) =>
    (await api.as(student, `query($s: ID!) { availableSlots(sessionId: $s) { proctor start sessions } }`, { s: sessionId })).availableSlots as Array<{ proctor: string; start: string; sessions: string[] }>;
  const book = async (who: string, sessionId: string, proctor: string, start: string) =>
    api.gql(`mutation($s: ID!, $p: String!, $t: DateTimeISO!) { bookSlot(sessionId: $s, proctor: $p, start: $t) { id proctor scheduledAt booked } }`, { s: sessionId, p: proctor, t: start }, await api.login(who));

  beforeAll(async () => {
    api = await startTestApi();
    // A morning slot of two seats and a short afternoon one of one seat
    const opened = await api.as('proctor1', `mutation($s: [SlotInput!]!) { openSlots(slots: $s, seats: 2) { start seats } }`, {
      s: [{ start: tomorrowAt(10), end: tomorrowAt(12) }],
    });
    expect(opened.openSlots).toEqual([{ start: tomorrowAt(10), seats: 2 }]);
    await api.as('proctor1', `mutation($s: [SlotInput!]!) { openSlots(slots: $s) { start } }`, { s: [{ start: tomorrowAt(14), end: tomorrowAt(15) }] });
    for (const [id, student, duration] of [['sched-1', 'student1', 90], ['sched-2', 'student2', 60], ['sched-3', 'student2', 60]] as const) {
      await api.createSession(id, { student, proctor: null, duration, selfScheduling: true });
    }
  });
  afterAll(async () => {
    await api.close();
  });

  it('offers a test-taker the open slots long enough for the exam, and books one: the session gets its time and proctor', async () => {
    // Given a 90-minute exam: the one-hour slot is too short for it
    expect((await available('student1', 'sched-1')).map((s) => [s.proctor, s.start, s.sessions])).toEqual([['proctor1', tomorrowAt(10), []]]);
    // When the test-taker books the morning slot
    const booked = await book('student1', 'sched-1', 'proctor1', tomorrowAt(10));
    expect(booked.data?.bookSlot).toEqual({ id: 'sched-1', proctor: 'proctor1', scheduledAt: tomorrowAt(10), booked: true });
    // Then the proctor's calendar shows the booking, and the proctor now reads the session
    expect((await slotsOf('proctor1'))[0]).toMatchObject({ start: tomorrowAt(10), booked: 1, sessions: ['sched-1'] });
    expect((await api.as('proctor1', `{ session(id: "sched-1") { student status } }`)).session).toEqual({ student: 'student1', status: 'scheduled' });
    // And booking again is for an administrator only
    const again = await book('student1', 'sched-1', 'proctor1', tomorrowAt(14));
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(again.errors?.[0].message).toContain('only an administrator');
  });

  it('fills a slot seat by seat, and hides a full or closed one', async () => {
    expect((await book('student2', 'sched-2', 'proctor1', tomorrowAt(14))).data?.bookSlot.booked).toBe(true);
    // The one-seat slot is full now; the morning one has a seat left
    expect((await available('student2', 'sched-3')).map((s) => s.start)).toEqual([tomorrowAt(10)]);
    const full = await book('student2', 'sched-3', 'proctor1', tomorrowAt(14));
    expect(full.errors?.[0]).toMatchObject({ message: 'this slot is full; choose another', extensions: { code: 'CONFLICT' } });
    expect((await api.as('admin', `{ session(id: "sched-3") { booked proctor } }`)).session).toEqual({ booked: false, proctor: null });
    // When the proctor closes the morning slot, nobody can book it, and its booking stays
    await api.as('proctor1', `mutation($t: DateTimeISO!) { closeSlot(start: $t) }`, { t: tomorrowAt(10) });
    expect(await available('student2', 'sched-3')).toEqual([]);
    expect((await api.as('admin', `{ session(id: "sched-1") { booked scheduledAt } }`)).session).toEqual({ booked: true, scheduledAt: tomorrowAt(10) });
    expect((await slotsOf('proctor1'))[0]).toMatchObject({ closed: true, sessions: ['sched-1'] });
  });

  it('lets an administrator move a booked session to another proctor\'s slot, freeing the seat it had', async () => {
    await api.as('proctor2', `mutation($s: [SlotInput!]!) { openSlots(slots: $s, seats: 3) { start } }`, { s: [{ start: tomorrowAt(16), end: tomorrowAt(18) }] });
    const moved = await book('admin', 'sched-1', 'proctor2', tomorrowAt(16));
    expect(moved.data?.bookSlot).toEqual({ id: 'sched-1', proctor: 'proctor2', scheduledAt: tomorrowAt(16), booked: true });
    expect((await slotsOf('proctor1'))[0].sessions).toEqual([]);
    expect((await slotsOf('proctor2'))[0].sessions).toEqual(['sched-1']);
  });

  it('treats the same booking twice as one, whatever the case of the proctor\'s name', async () => {
    await api.createSession('sched-4', { student: 'student1', proctor: null, duration: 30, selfScheduling: true });
    const [first, second] = await Promise.all([
      book('student1', 'sched-4', 'proctor2', tomorrowAt(16)),
      book('student1', 'sched-4', 'PROCTOR2', tomorrowAt(16)),
    ]);
    for (const r of [first, second]) expect(r.data?.bookSlot).toEqual({ id: 'sched-4', proctor: 'proctor2', scheduledAt: tomorrowAt(16), booked: true });
    expect((await slotsOf('proctor2'))[0].sessions.filter((id: string) => id === 'sched-4')).toEqual(['sched-4']);
  });

  it('gives the seat back when an administrator cancels a booked session or gives it to another proctor', async () => {
    await api.createSession('sched-5', { student: 'student2', proctor: null, duration: 30, selfScheduling: true });
    await api.createSession('sched-6', { student: 'student2', proctor: null, duration: 30, selfScheduling: true });
    await api.as('proctor2', `mutation($s: [SlotInput!]!) { openSlots(slots: $s, seats: 2) { start } }`, { s: [{ start: tomorrowAt(19), end: tomorrowAt(20) }] });
    const evening = async () => (await slotsOf('proctor2')).find((x: { start: string }) => x.start === tomorrowAt(19)).sessions;
    await book('student2', 'sched-5', 'proctor2', tomorrowAt(19));
    await book('student2', 'sched-6', 'proctor2', tomorrowAt(19));
    expect(await evening()).toEqual(['sched-5', 'sched-6']);
    await api.as('admin', `mutation { cancelSession(id: "sched-5", reason: "ill") { status } }`);
    await api.as('admin', `mutation { assignProctor(id: "sched-6", proctor: "proctor1") { proctor } }`);
    expect(await evening()).toEqual([]);
  });

  it('refuses bad slots and ranges with a clear error, and a session whose time its organisers set', async () => {
    const past = await api.gql(`mutation { openSlots(slots: [{ start: "2020-01-01T10:00:00Z", end: "2020-01-01T11:00:00Z" }]) { start } }`, {}, await api.login('proctor2'));
    expect(past.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(past.errors?.[0].message).toContain('not in the future');
    const overlap = await api.gql(`mutation($s: [SlotInput!]!) { openSlots(slots: $s) { start } }`, { s: [{ start: tomorrowAt(17), end: tomorrowAt(19) }] }, await api.login('proctor2'));
    expect(overlap.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(await api.errorCode('admin', `{ slots(from: "2030-01-01T00:00:00Z", to: "2030-12-01T00:00:00Z") { start } }`)).toBe('BAD_USER_INPUT');
    const notProctor = await api.gql(`mutation($s: [SlotInput!]!) { openSlots(slots: $s, proctor: "student1") { start } }`, { s: [{ start: tomorrowAt(20), end: tomorrowAt(21) }] }, await api.login('admin'));
    expect(notProctor.errors?.[0]).toMatchObject({ message: 'student1 is not an active proctor', extensions: { code: 'BAD_USER_INPUT' } });
    await api.createSession('fixed-1', { student: 'student1' });
    expect(await available('student1', 'fixed-1')).toEqual([]);
    expect((await book('student1', 'fixed-1', 'proctor2', tomorrowAt(16))).errors?.[0].message).toContain('organisers');
    expect((await slotsOf('proctor2'))[0].sessions).not.toContain('fixed-1'); // no seat taken by the refusal
  });
});
