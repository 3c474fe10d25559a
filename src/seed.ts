import type { Core } from './app/core/core.js';
import type { AccountRole } from './domain/account/account.js';
import { SYSTEM_ACTOR, type Actor } from './domain/core/decider.js';
import { hashPassword } from './app/accounts/passwords.js';
import { sessionData } from './app/templates/create-session.js';
import { ensureDefaultTemplate } from './app/templates/templates.js';
import { appointCommittee, inviteToHearing, inviteWitness } from './app/committee/review.js';
import { DEFAULT_TEMPLATE, type TemplateSettings } from './domain/template/settings.js';

export const DEMO_ACCOUNTS: ReadonlyArray<{ username: string; role: AccountRole; displayName: string }> = [
  { username: 'admin', role: 'admin', displayName: 'Ada Admin' },
  { username: 'proctor1', role: 'proctor', displayName: 'Pat Proctor' },
  { username: 'proctor2', role: 'proctor', displayName: 'Quinn Proctor' },
  { username: 'student1', role: 'student', displayName: 'Sam Student' },
  { username: 'student2', role: 'student', displayName: 'Tess Student' },
  { username: 'student3', role: 'student', displayName: 'Uma Student' },
  { username: 'auditor1', role: 'auditor', displayName: 'Avery Auditor' },
  { username: 'committee1', role: 'committee', displayName: 'Casey Committee' },
  { username: 'committee2', role: 'committee', displayName: 'Dana Committee' },
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
  await registerDemoAccounts(core, password);
  const admin: Actor = { id: 'admin', role: 'admin' };
  const proctor: Actor = { id: 'proctor1', role: 'proctor' };
  const now = core.now().getTime();
  const at = (minutes: number) => ({ now: new Date(now + minutes * 60_000) });
  const student = (id: string): Actor => ({ id, role: 'student' });
  // Each session is created an hour before its start (three hours ago at the latest), as an organiser would: a start
  // in the past is refused.
  await seedTemplates(core, admin, at(-24 * 60));
  const create = async (id: string, name: string, who: string, proctorId: string, minutesFromNow: number, extra: Record<string, unknown> = {}) =>
    core.session(id, 'CreateSession', await sessionData(core, {
      sessionId: id, name, student: who, studentName: DEMO_ACCOUNTS.find((a) => a.username === who)?.displayName ?? null, proctor: proctorId,
      durationMinutes: 90, scheduledAt: new Date(now + minutesFromNow * 60_000), url: `${publicUrl}/demo-test.html`, template: 'default', ...extra,
    }), admin, at(Math.min(-180, minutesFromNow - 60)));

  // Starts in 10 minutes: check-in (15 minutes before the start) is open, so the demo can be taken at once.
  await create('demo-scheduled', 'Entrance exam in mathematics', 'student1', 'proctor1', 10, { tags: ['math', 'entrance'], template: 'entrance-exam' });
  // Tomorrow: its page shows when check-in opens, with a countdown.
  await create('demo-tomorrow', 'Algebra final exam', 'student1', 'proctor2', 24 * 60, { tags: ['math'] });
  await create('demo-live-1', 'Physics midterm', 'student1', 'proctor1', -20, { tags: ['physics'] });
  await create('demo-live-2', 'Chemistry quiz', 'student2', 'proctor1', -10, { template: 'quiz', durationMinutes: null });
  await create('demo-waiting', 'History final exam', 'student3', 'proctor2', 0);
  await create('demo-finished', 'Entrance exam in physics', 'student2', 'proctor1', -300, { weights: { c2: 2 }, template: 'entrance-exam' });
  await create('demo-concluded', 'Biology final exam', 'student3', 'proctor2', -600);
  await create('demo-cancelled', 'Geography retake', 'student1', 'proctor2', 60);

  await core.session('demo-cancelled', 'CancelSession', { reason: 'moved to next week' }, admin, at(-170));
  await core.session('demo-waiting', 'CheckIn', { userAgent: 'demo', browserSupported: true }, student('student3'), at(-1));

  for (const [id, who, started] of [['demo-live-1', 'student1', -20], ['demo-live-2', 'student2', -10]] as const) {
    await startDemo(core, id, who, at(started - 1), at(started));
    for (let m = 0; m < -started - 1; m++) {
      const values = { c2: (m * 17) % 40, b2: m % 5 === 0 ? 30 : 0, m2: (m * 7) % 20 };
      await core.session(id, 'RecordMetrics', { minute: m, values }, student(who), at(started + m + 1));
    }
  }
  await core.session('demo-live-1', 'SendMessage', { messageId: 'demo-m1', text: 'Good luck! Keep your face in the camera, please.' }, proctor, at(-15));
  await core.session('demo-live-1', 'SendMessage', { messageId: 'demo-m2', text: 'OK, thank you' }, student('student1'), at(-14));
  await core.session('demo-live-2', 'SendMessage', { messageId: 'demo-m3', text: 'Put the phone away.', incident: true }, proctor, at(-2));

  for (const [id, who, started, finishBy] of [['demo-finished', 'student2', -300, student('student2')], ['demo-concluded', 'student3', -600, student('student3')]] as const) {
    await startDemo(core, id, who, at(started - 2), at(started));
    for (let m = 0; m < 45; m++) {
      await core.session(id, 'RecordMetrics', { minute: m, values: { c2: m > 30 ? 60 : 5, b2: m % 9 === 0 ? 50 : 0 } }, student(who), at(started + m + 1));
    }
    await core.session(id, 'AddNote', { noteId: `${id}-note`, text: 'Looked away repeatedly after minute 30.' }, { id: id === 'demo-finished' ? 'proctor1' : 'proctor2', role: 'proctor' }, at(started + 35));
    await core.session(id, 'FinishSession', {}, finishBy, at(started + 46));
  }
  await core.session('demo-concluded', 'ConcludeSession', { conclusion: 'positive', comment: 'No serious violations.' }, { id: 'proctor2', role: 'proctor' }, at(-500));
  await seedCommittee(core, admin);

  // Self-scheduling: proctor1 has opened the next three days 10:00–13:00 (UTC); student2 picks a time for the retake.
  const day = new Date(now);
  day.setUTCHours(10, 0, 0, 0);
  const slots = [1, 2, 3].map((d) => ({ start: new Date(day.getTime() + d * 86_400_000), end: new Date(day.getTime() + d * 86_400_000 + 3 * 3_600_000) }));
  await core.schedule('proctor1', 'OpenSlots', { proctor: 'proctor1', slots, seats: 5 }, proctor, at(-60));
  await create('demo-self-scheduled', 'Statistics retake (choose your time)', 'student2', '', 7 * 24 * 60, { selfScheduling: true, proctor: null, scheduledAt: null });
}

/** The concluded session is disputed: a committee reviews it (proctor1 sits on it too), its proctor a witness, the test-taker heard. */
async function seedCommittee(core: Core, admin: Actor): Promise<void> {
  await appointCommittee(core, admin, 'demo-concluded', ['committee1', 'committee2', 'proctor1'], 'committee1');
  await inviteWitness(core, admin, 'demo-concluded');
  await inviteToHearing(core, admin, 'demo-concluded');
}

/** Checks the test-taker in, through the stages of the session's template, and starts the session. */
async function startDemo(core: Core, id: string, who: string, checkedIn: { now: Date }, started: { now: Date }): Promise<void> {
  const by: Actor = { id: who, role: 'student' };
  await core.session(id, 'CheckIn', { userAgent: 'demo', browserSupported: true }, by, checkedIn);
  await passStages(core, id, who, checkedIn);
  await core.session(id, 'StartSession', {}, by, started);
}

/**
 * What a started demo session went through before its start: the identity photos its template asks for, already
 * checked (the demo has no pictures, so the face verifier is not left to find them unreadable), and its proctor's
 * approval when the template asks for one.
 */
async function passStages(core: Core, id: string, who: string, options: { now: Date }): Promise<void> {
  const { state } = await core.loadSession(id);
  if (state.status === 'none') return;
  const { stages, photosDemanded } = state.steps;
  const kinds = photosDemanded ? [...(stages.facePhoto ? (['face'] as const) : []), ...(stages.idPhoto ? (['document'] as const) : [])] : [];
  const by: Actor = { id: who, role: 'student' };
  for (const kind of kinds) {
    const photoId = `${id}-${kind}`;
    await core.session(id, 'StoreFile', { fileId: photoId, kind, name: `${kind}.jpg`, contentType: 'image/jpeg', size: 1, sha256: '0'.repeat(64) }, by, options);
    await core.session(id, 'SubmitIdentityPhoto', { photoId, kind }, by, options);
    await core.session(id, 'RecordFaceCheck', { photoId, result: 'green', reason: 'match', distance: 0.3 }, SYSTEM_ACTOR, options);
  }
  if (stages.proctorApproval && state.proctor) await core.session(id, 'VerifyIdentity', { method: 'proctor' }, { id: state.proctor, role: 'proctor' }, options);
}

/**
 * The demo's templates beside the default: an entrance exam (ID photo, the proctor's approval, a phone as the second
 * camera, two hours, recordings kept a year) and a short quiz watched by the camera only (its score shown to the
 * test-taker, concluded automatically).
 */
async function seedTemplates(core: Core, admin: Actor, options: { now: Date }): Promise<void> {
  await ensureDefaultTemplate(core);
  const entrance: TemplateSettings = {
    ...DEFAULT_TEMPLATE, name: 'Entrance exam', weights: { c3: 3, c4: 3, c6: 5 }, threshold: 70, durationMinutes: 120, retentionDays: 365,
    rules: 'This is an entrance exam. Before it starts, show your face and then an identity document with your photo to the camera.\nKeep your phone on its stand as the second camera, facing you and your desk.\nNo notes, books, other people or other screens. Stay in the exam page until you finish.',
    stages: { compatibilityCheck: true, facePhoto: true, idPhoto: true, proctorApproval: true },
    addons: { screen: true, secondCamera: true, chat: true, calls: true, contentProtection: true },
  };
  const quiz: TemplateSettings = {
    ...DEFAULT_TEMPLATE, name: 'Quiz (camera only)', metrics: ['b2', 'c1', 'c2', 'c3', 'm2'], threshold: 40, autoConclude: true, durationMinutes: 20,
    checkInBeforeMinutes: 5, checkInAfterMinutes: 10, scoreVisibleToStudent: true, retentionDays: 30,
    rules: 'Keep your face in the camera and work alone.',
    stages: { compatibilityCheck: true, facePhoto: false, idPhoto: false, proctorApproval: false },
    addons: { screen: false, secondCamera: false, chat: true, calls: false, contentProtection: false },
  };
  await core.template('entrance-exam', 'CreateTemplate', { templateId: 'entrance-exam', ...entrance }, admin, options);
  await core.template('quiz', 'CreateTemplate', { templateId: 'quiz', ...quiz }, admin, options);
}

async function registerDemoAccounts(core: Core, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  for (const a of DEMO_ACCOUNTS) await core.account(a.username, 'RegisterAccount', { ...a, passwordHash }, SYSTEM_ACTOR);
}
