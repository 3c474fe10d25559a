import type { Core } from './core.js';
import type { AccountRole } from './domain/account/account.js';
import { SYSTEM_ACTOR, type Actor } from './domain/core/decider.js';
import { hashPassword } from './api/auth/passwords.js';

export const DEMO_ACCOUNTS: ReadonlyArray<{ username: string; role: AccountRole; displayName: string }> = [
  { username: 'admin', role: 'admin', displayName: 'Ada Admin' },
  { username: 'proctor1', role: 'proctor', displayName: 'Pat Proctor' },
  { username: 'proctor2', role: 'proctor', displayName: 'Quinn Proctor' },
  { username: 'student1', role: 'student', displayName: 'Sam Student' },
  { username: 'student2', role: 'student', displayName: 'Tess Student' },
  { username: 'student3', role: 'student', displayName: 'Uma Student' },
  { username: 'auditor1', role: 'auditor', displayName: 'Avery Auditor' },
];

/** True when nothing was ever stored: the only time a demo is seeded. */
export async function storeIsEmpty(core: Core): Promise<boolean> {
  return (await core.store.readAll({ limit: 1 })).length === 0;
}

/**
 * A demo to click through: the accounts above (one password for all) and sessions in every state, some with
 * metrics, chat and an incident, so the monitor, search and protocol have something to show.
 */
export async function seedDemo(core: Core, password: string, publicUrl: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  for (const a of DEMO_ACCOUNTS) {
    await core.account(a.username, 'RegisterAccount', { ...a, passwordHash }, SYSTEM_ACTOR);
  }
  const admin: Actor = { id: 'admin', role: 'admin' };
  const proctor: Actor = { id: 'proctor1', role: 'proctor' };
  const now = core.now().getTime();
  const at = (minutes: number) => ({ now: new Date(now + minutes * 60_000) });
  const student = (id: string): Actor => ({ id, role: 'student' });
  // Each session is created an hour before its start (three hours ago at the latest), as an organiser would: a start
  // in the past is refused.
  const create = (id: string, name: string, who: string, proctorId: string, minutesFromNow: number, extra: Record<string, unknown> = {}) =>
    core.session(id, 'CreateSession', {
      sessionId: id, name, student: who, studentName: DEMO_ACCOUNTS.find((a) => a.username === who)?.displayName ?? null, proctor: proctorId,
      durationMinutes: 90, scheduledAt: new Date(now + minutesFromNow * 60_000), url: `${publicUrl}/demo-test.html`, template: 'demo', ...extra,
    }, admin, at(Math.min(-180, minutesFromNow - 60)));

  // Starts in 10 minutes: check-in (15 minutes before the start) is open, so the demo can be taken at once.
  await create('demo-scheduled', 'Entrance exam in mathematics', 'student1', 'proctor1', 10, { tags: ['math', 'entrance'], secondCamera: true });
  // Tomorrow: its page shows when check-in opens, with a countdown.
  await create('demo-tomorrow', 'Algebra final exam', 'student1', 'proctor2', 24 * 60, { tags: ['math'] });
  await create('demo-live-1', 'Physics midterm', 'student1', 'proctor1', -20, { tags: ['physics'] });
  await create('demo-live-2', 'Chemistry quiz', 'student2', 'proctor1', -10);
  await create('demo-waiting', 'History final exam', 'student3', 'proctor2', 0);
  await create('demo-finished', 'Entrance exam in physics', 'student2', 'proctor1', -300, { weights: { c2: 2 } });
  await create('demo-concluded', 'Biology final exam', 'student3', 'proctor2', -600);
  await create('demo-cancelled', 'Geography retake', 'student1', 'proctor2', 60);

  await core.session('demo-cancelled', 'CancelSession', { reason: 'moved to next week' }, admin, at(-170));
  await core.session('demo-waiting', 'CheckIn', { userAgent: 'demo', browserSupported: true }, student('student3'), at(-1));

  for (const [id, who, started] of [['demo-live-1', 'student1', -20], ['demo-live-2', 'student2', -10]] as const) {
    await core.session(id, 'CheckIn', { userAgent: 'demo', browserSupported: true }, student(who), at(started - 1));
    await core.session(id, 'StartSession', {}, student(who), at(started));
    for (let m = 0; m < -started - 1; m++) {
      const values = { c2: (m * 17) % 40, b2: m % 5 === 0 ? 30 : 0, m2: (m * 7) % 20 };
      await core.session(id, 'RecordMetrics', { minute: m, values }, student(who), at(started + m + 1));
    }
  }
  await core.session('demo-live-1', 'SendMessage', { messageId: 'demo-m1', text: 'Good luck! Keep your face in the camera, please.' }, proctor, at(-15));
  await core.session('demo-live-1', 'SendMessage', { messageId: 'demo-m2', text: 'OK, thank you' }, student('student1'), at(-14));
  await core.session('demo-live-2', 'SendMessage', { messageId: 'demo-m3', text: 'Put the phone away.', incident: true }, proctor, at(-2));

  for (const [id, who, started, finishBy] of [['demo-finished', 'student2', -300, student('student2')], ['demo-concluded', 'student3', -600, student('student3')]] as const) {
    await core.session(id, 'CheckIn', { userAgent: 'demo', browserSupported: true }, student(who), at(started - 2));
    await core.session(id, 'StartSession', {}, student(who), at(started));
    for (let m = 0; m < 45; m++) {
      await core.session(id, 'RecordMetrics', { minute: m, values: { c2: m > 30 ? 60 : 5, b2: m % 9 === 0 ? 50 : 0 } }, student(who), at(started + m + 1));
    }
    await core.session(id, 'AddNote', { noteId: `${id}-note`, text: 'Looked away repeatedly after minute 30.' }, { id: id === 'demo-finished' ? 'proctor1' : 'proctor2', role: 'proctor' }, at(started + 35));
    await core.session(id, 'FinishSession', {}, finishBy, at(started + 46));
  }
  await core.session('demo-concluded', 'ConcludeSession', { conclusion: 'positive', comment: 'No serious violations.' }, { id: 'proctor2', role: 'proctor' }, at(-500));

  // Self-scheduling: proctor1 has opened the next three days 10:00–13:00 (UTC); student2 picks a time for the retake.
  const day = new Date(now);
  day.setUTCHours(10, 0, 0, 0);
  const slots = [1, 2, 3].map((d) => ({ start: new Date(day.getTime() + d * 86_400_000), end: new Date(day.getTime() + d * 86_400_000 + 3 * 3_600_000) }));
  await core.schedule('proctor1', 'OpenSlots', { proctor: 'proctor1', slots, seats: 5 }, proctor, at(-60));
  await create('demo-self-scheduled', 'Statistics retake (choose your time)', 'student2', '', 7 * 24 * 60, { selfScheduling: true, proctor: null, scheduledAt: null });
}
