import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
const CHECK_IN = (id: string) => `mutation { checkIn(id: "${id}", userAgent: "ua") { id status } }`;

describe('when the test-taker may check in', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('refuses tomorrow\'s exam today, saying when check-in opens and closes', async () => {
    const start = minutesFromNow(24 * 60);
    await api.createSession('window-tomorrow', { scheduledAt: start, duration: 90 });
    const r = await api.gql(CHECK_IN('window-tomorrow'), {}, await api.login('student1'));
    const opensAt = new Date(Date.parse(start) - 15 * 60_000).toISOString();
    const closesAt = new Date(Date.parse(start) + 90 * 60_000).toISOString();
    expect(r.errors?.[0]).toMatchObject({ message: `check-in opens at ${opensAt}`, extensions: { code: 'CONFLICT', opensAt, closesAt } });
    const { session } = await api.as('student1', `{ session(id: "window-tomorrow") { status checkInOpensAt checkInClosesAt } }`);
    expect(session).toEqual({ status: 'scheduled', checkInOpensAt: opensAt, checkInClosesAt: closesAt });
  });

  it('lets the test-taker in from 15 minutes before the start', async () => {
    await api.createSession('window-soon', { scheduledAt: minutesFromNow(14) });
    expect((await api.as('student1', CHECK_IN('window-soon'))).checkIn).toEqual({ id: 'window-soon', status: 'waiting' });
  });

  it('keeps to the minutes the session was created with', async () => {
    await api.createSession('window-wide', { scheduledAt: minutesFromNow(50), checkInBefore: 60, checkInAfter: 10 });
    expect((await api.as('student1', CHECK_IN('window-wide'))).checkIn.status).toBe('waiting');
    await api.createSession('window-narrow', { scheduledAt: minutesFromNow(10), checkInBefore: 5 });
    expect(await api.errorCode('student1', CHECK_IN('window-narrow'))).toBe('CONFLICT');
  });

  it('refuses after the window closed', async () => {
    // Created at 09:00 for 09:30 with check-in until 09:40; it is later than that now.
    const created = new Date(Date.now() - 2 * 3600_000);
    await api.core.session('window-closed', 'CreateSession', {
      sessionId: 'window-closed', name: 'Closed', student: 'student1', durationMinutes: 60, scheduledAt: new Date(created.getTime() + 30 * 60_000), checkInAfterMinutes: 10,
    }, { id: 'admin', role: 'admin' }, { now: created });
    const r = await api.gql(CHECK_IN('window-closed'), {}, await api.login('student1'));
    expect(r.errors?.[0].message).toMatch(/^check-in closed at /);
  });

  it('lets a session without a start be checked in to at any time', async () => {
    await api.createSession('window-none');
    expect((await api.as('student1', CHECK_IN('window-none'))).checkIn.status).toBe('waiting');
    expect((await api.as('student1', `{ session(id: "window-none") { checkInOpensAt checkInClosesAt } }`)).session).toEqual({ checkInOpensAt: null, checkInClosesAt: null });
  });

  it('refuses to create a session whose start has passed, allowing five minutes for clocks that differ', async () => {
    const r = await api.gql(`mutation($input: CreateSessionInput!) { createSession(input: $input) { id } }`, {
      input: { id: 'window-past', name: 'Past', student: 'student1', duration: 60, scheduledAt: minutesFromNow(-24 * 60) },
    }, await api.login('admin'));
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(r.errors?.[0].message).toMatch(/has passed .*a start up to 5 minutes back is accepted/);
    await api.createSession('window-just-now', { scheduledAt: minutesFromNow(-4) });
  });

  it('refuses check-in minutes out of range', async () => {
    expect(await api.errorCode('admin', `mutation { createSession(input: { id: "window-bad", name: "n", student: "student1", duration: 10, checkInBefore: -5 }) { id } }`)).toBe('BAD_USER_INPUT');
  });
});
