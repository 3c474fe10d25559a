import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import { SYSTEM_ACTOR, type Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import type { SessionCommand } from './commands.js';
import { sessionDecider } from './decide.js';
import type { SessionEvent } from './events.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

const admin: Actor = { id: 'admin', role: 'admin' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };
const system: Actor = { id: 'system', role: 'system' };

let n = 0;
function cmd<T extends SessionCommand['type']>(type: T, data: Extract<SessionCommand, { type: T }>['data'], actor: Actor = admin, minute = 0): SessionCommand {
  n += 1;
  return { type, data, metadata: { now: at(minute), actor, commandId: `cmd-${n}` } } as SessionCommand;
}

const created: SessionEvent = {
  type: 'SessionCreated',
  data: {
    sessionId: 's1', name: 'Entrance exam', student: 'student1', studentName: 'Ann Lee', proctor: 'proctor1', durationMinutes: 60,
    scheduledAt: null, metrics: ['b2', 'c2', 'm2'], weights: { c2: 2 }, threshold: 70, autoConclude: false, url: 'https://lms.example/quiz/1',
    template: 'default', tags: ['math'], secondCamera: false, checkInBeforeMinutes: 15, checkInAfterMinutes: 60, createdBy: 'admin', integrationId: null, at: iso(-60),
  },
};
type CreatedData = Extract<SessionEvent, { type: 'SessionCreated' }>['data'];
const createdWith = (over: Partial<CreatedData>): SessionEvent => ({ type: 'SessionCreated', data: { ...(created.data as CreatedData), ...over } });
const checkedIn: SessionEvent = { type: 'ParticipantCheckedIn', data: { userAgent: 'Chromium', browserSupported: true, at: iso(-1) } };
const started: SessionEvent = { type: 'SessionStarted', data: { at: iso(0), deadline: iso(60) } };
const running = [created, checkedIn, started];
const finished: SessionEvent = { type: 'SessionFinished', data: { by: 'student', actor: 'student1', at: iso(30) } };
const scored: SessionEvent = { type: 'ScoreComputed', data: { score: 100, minutes: 30, breakdown: [], at: iso(30) } };

const spec = specFor(sessionDecider);

describe('creating a session', () => {
  const create = (over: Partial<Extract<SessionCommand, { type: 'CreateSession' }>['data']> = {}) =>
    cmd('CreateSession', {
      sessionId: 's1', name: ' Entrance exam ', student: 'student1', studentName: 'Ann Lee', proctor: 'proctor1', durationMinutes: 60,
      metrics: ['b2', 'c2', 'm2'], weights: { c2: 2 }, threshold: 70, url: 'https://lms.example/quiz/1', template: 'default', tags: ['math'], ...over,
    }, admin, -60);

  it('records every setting, with the name trimmed', () => {
    spec([]).when(create()).then([created]);
  });

  it('uses all seventeen metrics, weight 1 and threshold 50 when none are given', () => {
    const [event] = spec([]).when(create({ metrics: undefined, weights: undefined, threshold: undefined })).events();
    expect(event).toMatchObject({ data: { threshold: 50, weights: {} } });
    expect((event as Extract<SessionEvent, { type: 'SessionCreated' }>).data.metrics).toHaveLength(17);
  });

  it('refuses a second creation', () => spec([created]).when(create()).thenThrows(IllegalStateError, /already exists/));
  it('refuses a bad session id', () => spec([]).when(create({ sessionId: 'has space' })).thenThrows(ValidationError, /session id/));
  it('refuses an unknown metric', () => spec([]).when(create({ metrics: ['c2', 'x9' as never] })).thenThrows(ValidationError, /x9/));
  it('refuses a zero duration', () => spec([]).when(create({ durationMinutes: 0 })).thenThrows(ValidationError, /duration/));
  it('refuses a negative weight', () => spec([]).when(create({ weights: { c2: -1 } })).thenThrows(ValidationError, /weight/));
  it('refuses a threshold over 100', () => spec([]).when(create({ threshold: 101 })).thenThrows(ValidationError, /threshold/));
  it('refuses an empty name', () => spec([]).when(create({ name: '  ' })).thenThrows(ValidationError, /name/));
  it('refuses a url that is not http', () => spec([]).when(create({ url: 'javascript:alert(1)' })).thenThrows(ValidationError, /url/));

  describe('from a template', () => {
    const ref = {
      templateId: 'entrance', version: 3, stages: { compatibilityCheck: true, facePhoto: true, idPhoto: true, proctorApproval: false },
      addons: { screen: true, secondCamera: true, chat: true, calls: false, contentProtection: true }, rules: 'No notes.', retentionDays: 30,
    };
    it('records the template id and version with its stages, addons, rules and retention', () =>
      spec([]).when(create({ fromTemplate: ref })).then([createdWith({ fromTemplate: ref })]));
    it('refuses a reference a read model cannot hold', () => {
      spec([]).when(create({ fromTemplate: { ...ref, version: 0 } })).thenThrows(ValidationError, /template version/);
      spec([]).when(create({ fromTemplate: { ...ref, templateId: 'a b' } })).thenThrows(ValidationError, /template id/);
      spec([]).when(create({ fromTemplate: { ...ref, addons: { ...ref.addons, chat: 'y' as never } } })).thenThrows(ValidationError, /addons.chat/);
    });
  });

  describe('with a start time', () => {
    // `create` runs at minute -60.
    it('refuses a start that has passed', () =>
      spec([]).when(create({ scheduledAt: at(-66) })).thenThrows(ValidationError, /has passed.*5 minutes back is accepted/));
    it('accepts a start up to 5 minutes back, for clocks that differ', () =>
      spec([]).when(create({ scheduledAt: at(-65) })).thenMatch([{ type: 'SessionCreated', data: { scheduledAt: iso(-65) } }]));
    it('refuses a start that is not a date', () => spec([]).when(create({ scheduledAt: new Date('nonsense') })).thenThrows(ValidationError, /not a valid date/));
  });

  describe('with a check-in window', () => {
    it('opens check-in 15 minutes before the start and closes it the duration after, when not told otherwise', () =>
      spec([]).when(create({ durationMinutes: 90 })).thenMatch([{ type: 'SessionCreated', data: { checkInBeforeMinutes: 15, checkInAfterMinutes: 90 } }]));
    it('keeps the minutes it is given', () =>
      spec([]).when(create({ checkInBeforeMinutes: 30, checkInAfterMinutes: 0 })).thenMatch([{ type: 'SessionCreated', data: { checkInBeforeMinutes: 30, checkInAfterMinutes: 0 } }]));
    it('refuses minutes outside 0–1440', () => {
      spec([]).when(create({ checkInBeforeMinutes: -1 })).thenThrows(ValidationError, /check-in before the start/);
      spec([]).when(create({ checkInAfterMinutes: 1441 })).thenThrows(ValidationError, /check-in after the start/);
      spec([]).when(create({ checkInBeforeMinutes: 2.5 })).thenThrows(ValidationError, /whole number/);
    });
  });
});

describe('checking in', () => {
  // Scheduled for minute 120: check-in from minute 105 (15 before) to minute 180 (the 60-minute duration after).
  const scheduled = createdWith({ scheduledAt: iso(120) });
  const checkIn = (minute: number) => cmd('CheckIn', { userAgent: 'ua', browserSupported: true }, student, minute);
  const checkedInAt = (minute: number): SessionEvent => ({ type: 'ParticipantCheckedIn', data: { userAgent: 'ua', browserSupported: true, at: iso(minute) } });

  it('refuses before the window opens, saying when it opens', () => {
    spec([scheduled]).when(checkIn(104)).thenThrows(IllegalStateError, `check-in opens at ${iso(105)}`);
    let thrown: unknown;
    try {
      spec([scheduled]).when(checkIn(0)).events();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as IllegalStateError).details).toEqual({ opensAt: iso(105), closesAt: iso(180) });
  });
  it('lets the test-taker in from the moment it opens until it closes', () => {
    spec([scheduled]).when(checkIn(105)).then([checkedInAt(105)]);
    spec([scheduled]).when(checkIn(180)).then([checkedInAt(180)]);
  });
  it('refuses after the window closed', () => spec([scheduled]).when(checkIn(181)).thenThrows(IllegalStateError, `check-in closed at ${iso(180)}`));
  it('uses the session\'s own minutes', () => {
    const wide = createdWith({ scheduledAt: iso(120), checkInBeforeMinutes: 60, checkInAfterMinutes: 5 });
    spec([wide]).when(checkIn(60)).then([checkedInAt(60)]);
    spec([wide]).when(checkIn(126)).thenThrows(IllegalStateError, /closed/);
  });
  it('applies the defaults to sessions created before the window existed (15 minutes, the duration)', () => {
    const { checkInBeforeMinutes: _b, checkInAfterMinutes: _a, ...old } = created.data as CreatedData;
    const legacy: SessionEvent = { type: 'SessionCreated', data: { ...old, scheduledAt: iso(120) } };
    spec([legacy]).when(checkIn(104)).thenThrows(IllegalStateError, /opens/);
    spec([legacy]).when(checkIn(180)).then([checkedInAt(180)]);
  });
  it('lets a session without a start be checked in to at any time', () => spec([created]).when(checkIn(-5000)).then([checkedInAt(-5000)]));
  it('lets a test-taker who checked in in time check in again later (a reloaded page)', () =>
    spec([scheduled, checkedInAt(110)]).when(checkIn(300)).then([checkedInAt(300)]));
});

describe('assigning and cancelling', () => {
  it('assigns another proctor', () =>
    spec([created]).when(cmd('AssignProctor', { proctor: 'proctor2' })).then([
      { type: 'ProctorAssigned', data: { proctor: 'proctor2', previous: 'proctor1', by: 'admin', at: iso(0) } },
    ]));
  it('does nothing when the proctor is already assigned', () => spec([created]).when(cmd('AssignProctor', { proctor: 'proctor1' })).then([]));
  it('refuses to reassign a finished session', () =>
    spec([...running, finished]).when(cmd('AssignProctor', { proctor: 'proctor2' })).thenThrows(IllegalStateError, /finished/));
  it('cancels a session that has not started', () =>
    spec([created]).when(cmd('CancelSession', { reason: 'moved' })).then([{ type: 'SessionCancelled', data: { reason: 'moved', by: 'admin', at: iso(0) } }]));
  it('refuses to cancel a session in progress', () =>
    spec(running).when(cmd('CancelSession', { reason: 'x' })).thenThrows(IllegalStateError, /in progress/));
  it('refuses anything on a session that does not exist', () =>
    spec([]).when(cmd('StartSession', {})).thenThrows(IllegalStateError, /does not exist/));
});

describe('checking in, identity and start', () => {
  it('checks the test-taker in', () =>
    spec([created]).when(cmd('CheckIn', { userAgent: 'Chromium', browserSupported: true }, student, -1)).then([checkedIn]));
  const photoFile = (fileId: string, kind: 'face' | 'document' | 'attachment'): SessionEvent => ({
    type: 'FileStored', data: { fileId, kind, name: `${kind}.jpg`, contentType: 'image/jpeg', size: 10, sha256: 'a'.repeat(64), by: 'student1', at: iso(-1) },
  });
  it('records an identity photo once', () => {
    const submit = cmd('SubmitIdentityPhoto', { photoId: 'p1', kind: 'face' }, student, -1);
    spec([created, checkedIn, photoFile('p1', 'face')]).when(submit).then([{ type: 'IdentityPhotoSubmitted', data: { photoId: 'p1', kind: 'face', at: iso(-1) } }]);
    spec([created, checkedIn, photoFile('p1', 'face'), { type: 'IdentityPhotoSubmitted', data: { photoId: 'p1', kind: 'face', at: iso(-1) } }]).when(submit).then([]);
  });
  it('refuses an identity photo that is not a photo of that kind uploaded to the session', () => {
    spec([created, checkedIn]).when(cmd('SubmitIdentityPhoto', { photoId: 'p1', kind: 'face' }, student)).thenThrows(ValidationError, /not a face photo uploaded/);
    spec([created, checkedIn, photoFile('p1', 'document')]).when(cmd('SubmitIdentityPhoto', { photoId: 'p1', kind: 'face' }, student)).thenThrows(ValidationError, /not a face photo/);
    spec([created, checkedIn, photoFile('a1', 'attachment')]).when(cmd('SubmitIdentityPhoto', { photoId: 'a1', kind: 'document' }, student)).thenThrows(ValidationError, /not a document photo/);
    spec([created, checkedIn]).when(cmd('SubmitIdentityPhoto', { photoId: 'x'.repeat(9000), kind: 'face' }, student)).thenThrows(ValidationError, /photo id/);
  });
  it('refuses an identity photo before check-in', () =>
    spec([created]).when(cmd('SubmitIdentityPhoto', { photoId: 'p1', kind: 'face' }, student)).thenThrows(IllegalStateError, /checked in/));
  it('verifies identity', () =>
    spec([created, checkedIn]).when(cmd('VerifyIdentity', { method: 'proctor' }, proctor)).then([
      { type: 'IdentityVerified', data: { by: 'proctor1', method: 'proctor', at: iso(0) } },
    ]));
  it('starts with a deadline one duration away', () => spec([created, checkedIn]).when(cmd('StartSession', {}, student)).then([started]));
  it('refuses to start before check-in', () => spec([created]).when(cmd('StartSession', {}, student)).thenThrows(IllegalStateError, /checked in/));
  it('ignores a repeated start', () => spec(running).when(cmd('StartSession', {}, student)).then([]));
  it('refuses to start a cancelled session', () =>
    spec([created, checkedIn, { type: 'SessionCancelled', data: { reason: 'x', by: 'admin', at: iso(0) } }]).when(cmd('StartSession', {}, student)).thenThrows(IllegalStateError, /cancelled/));
});

describe('recording metrics and violations', () => {
  it('records one minute of values', () =>
    spec(running).when(cmd('RecordMetrics', { minute: 3, values: { c2: 40, b2: 0 } }, student, 4)).then([
      { type: 'MetricsRecorded', data: { minute: 3, values: { c2: 40, b2: 0 }, at: iso(4) } },
    ]));
  it('treats the same minute sent twice as one', () => {
    const rec: SessionEvent = { type: 'MetricsRecorded', data: { minute: 3, values: { c2: 40 }, at: iso(4) } };
    spec([...running, rec]).when(cmd('RecordMetrics', { minute: 3, values: { c2: 40 } }, student, 5)).then([]);
    spec([...running, rec]).when(cmd('RecordMetrics', { minute: 3, values: { c2: 41 } }, student, 5)).thenThrows(IllegalStateError, /already recorded/);
  });
  it('refuses a metric the session does not use', () =>
    spec(running).when(cmd('RecordMetrics', { minute: 1, values: { s1: 10 } }, student)).thenThrows(ValidationError, /s1/));
  it('refuses a value over 100', () =>
    spec(running).when(cmd('RecordMetrics', { minute: 1, values: { c2: 101 } }, student)).thenThrows(ValidationError, /0 to 100/));
  it('refuses a negative minute', () =>
    spec(running).when(cmd('RecordMetrics', { minute: -1, values: {} }, student)).thenThrows(ValidationError, /minute/));
  it('takes a minute that arrives after the end, and computes the score again with it', () =>
    // finished at minute 30: minute 29 is inside the session; 30 minutes, c2 40 weighted 2 → share 1.33 (2.67 points off) → 97.33.
    spec([...running, finished, scored]).when(cmd('RecordMetrics', { minute: 29, values: { c2: 40 } }, student, 31)).then([
      { type: 'MetricsRecorded', data: { minute: 29, values: { c2: 40 }, at: iso(31) } },
      { type: 'ScoreComputed', data: { score: 97.33, minutes: 30, at: iso(31), breakdown: [
        { code: 'b2', share: 0, weight: 1, contribution: 0 }, { code: 'c2', share: 1.33, weight: 2, contribution: 2.67 }, { code: 'm2', share: 0, weight: 1, contribution: 0 },
      ] } },
    ]));
  it('refuses a minute after the end of the session', () =>
    spec([...running, finished, scored]).when(cmd('RecordMetrics', { minute: 30, values: { c2: 40 } }, student, 31)).thenThrows(IllegalStateError, /after the end/));
  it('refuses metrics before the start', () =>
    spec([created, checkedIn]).when(cmd('RecordMetrics', { minute: 0, values: {} }, student)).thenThrows(IllegalStateError, /waiting/));
  it('records a violation at once', () =>
    spec(running).when(cmd('RecordViolation', { code: 'b2', detail: 'left the tab' }, student, 2)).then([
      { type: 'ViolationDetected', data: { code: 'b2', detail: 'left the tab', at: iso(2) } },
    ]));
  it('records a face check', () =>
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f1', result: 'yellow', distance: 0.41, similarProfiles: ['student9'] }, system, 5)).then([
      { type: 'FaceChecked', data: { photoId: 'f1', result: 'yellow', distance: 0.41, similarProfiles: ['student9'], reason: null, faceCount: null, at: iso(5) } },
    ]));
  it('records why a face check came out as it did, and how many faces the photo showed', () =>
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f1', result: 'red', distance: 0.45, similarProfiles: ['student9'], reason: 'several_faces', faceCount: 2 }, system, 5)).then([
      { type: 'FaceChecked', data: { photoId: 'f1', result: 'red', distance: 0.45, similarProfiles: ['student9'], reason: 'several_faces', faceCount: 2, at: iso(5) } },
    ]));
  it('refuses a reason that contradicts the colour, an unknown reason, and a face count that is not a count', () => {
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f1', result: 'green', reason: 'no_face' }, system)).thenThrows(ValidationError, /green face check cannot have the reason no_face/);
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f1', result: 'red', reason: 'match' }, system)).thenThrows(ValidationError, /red face check cannot have the reason match/);
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f1', result: 'red', reason: 'blurry' as never }, system)).thenThrows(ValidationError, /reason "blurry" is not one of/);
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f1', result: 'red', reason: 'several_faces', faceCount: 1.5 }, system)).thenThrows(ValidationError, /face count/);
  });
  it('reads face checks recorded before reasons were (no reason, no face count)', () => {
    const old = { type: 'FaceChecked', data: { photoId: 'old', result: 'red', distance: 0.7, similarProfiles: [], at: iso(1) } } as SessionEvent;
    spec([...running, old]).when(cmd('RecordFaceCheck', { photoId: 'old', result: 'red', reason: 'mismatch' }, system, 2)).thenMatch([{ type: 'FaceChecked', data: { reason: 'mismatch' } }]);
  });
  it('raises c5 for a yellow check and c6 for a red one while the exam runs, when the session uses them', () => {
    const withFaces: SessionEvent = { ...created, data: { ...(created as Extract<SessionEvent, { type: 'SessionCreated' }>).data, metrics: ['c5', 'c6'] } } as SessionEvent;
    spec([withFaces, checkedIn, started]).when(cmd('RecordFaceCheck', { photoId: 'f2', result: 'yellow', distance: 0.3, similarProfiles: ['student9'] }, system, 6)).thenMatch([
      { type: 'FaceChecked' }, { type: 'ViolationDetected', data: { code: 'c5', detail: 'similar profiles: student9' } },
    ]);
    spec([withFaces, checkedIn, started]).when(cmd('RecordFaceCheck', { photoId: 'f3', result: 'red', distance: 0.8 }, system, 6)).thenMatch([
      { type: 'FaceChecked' }, { type: 'ViolationDetected', data: { code: 'c6', detail: 'photo f3 does not match the profile' } },
    ]);
    spec([withFaces, checkedIn, started]).when(cmd('RecordFaceCheck', { photoId: 'f6', result: 'red', reason: 'no_face', faceCount: 0 }, system, 6)).thenMatch([
      { type: 'FaceChecked' }, { type: 'ViolationDetected', data: { code: 'c6', detail: 'photo f6 shows no face' } },
    ]);
    spec([withFaces, checkedIn]).when(cmd('RecordFaceCheck', { photoId: 'f4', result: 'red', distance: 0.8 }, system, 0)).thenMatch([{ type: 'FaceChecked' }]);
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f5', result: 'red', distance: 0.8 }, system, 6)).thenMatch([{ type: 'FaceChecked' }]); // c6 not used
  });
  it('counts c6 from a red check until a green one, and c5 from a yellow check to the end, in the score', () => {
    const faces: SessionEvent = { ...created, data: { ...(created as Extract<SessionEvent, { type: 'SessionCreated' }>).data, metrics: ['c5', 'c6'], weights: {} } } as SessionEvent;
    const check = (result: 'green' | 'yellow' | 'red', minute: number): SessionEvent => ({ type: 'FaceChecked', data: { photoId: `p${minute}`, result, distance: 0.5, similarProfiles: [], at: iso(minute) } });
    // 10 minutes: red from 2 to 5 → c6 30 %; yellow from 8 to the end → c5 20 %. 100 − 30 − 20 = 50.
    spec([faces, checkedIn, started, check('red', 2), check('green', 5), check('yellow', 8)]).when(cmd('FinishSession', {}, student, 10)).thenMatch([
      { type: 'SessionFinished' },
      { type: 'ScoreComputed', data: { score: 50, breakdown: [{ code: 'c5', share: 20 }, { code: 'c6', share: 30 }] } },
    ]);
  });
  it('refuses a face check colour that does not exist', () =>
    spec(running).when(cmd('RecordFaceCheck', { photoId: 'f1', result: 'blue' as never }, system)).thenThrows(ValidationError, /green, yellow or red/));
});

describe('chat', () => {
  const incident = cmd('SendMessage', { messageId: 'm1', text: 'Put the phone away', incident: true }, proctor, 5);
  const incidentEvents: SessionEvent[] = [
    { type: 'MessageSent', data: { messageId: 'm1', from: 'proctor1', role: 'proctor', text: 'Put the phone away', incident: true, attachmentId: null, at: iso(5) } },
    { type: 'ContentBlocked', data: { messageId: 'm1', by: 'proctor1', at: iso(5) } },
  ];
  it('sends a normal message from the test-taker', () =>
    spec(running).when(cmd('SendMessage', { messageId: 'm0', text: 'Hello' }, student, 1)).then([
      { type: 'MessageSent', data: { messageId: 'm0', from: 'student1', role: 'student', text: 'Hello', incident: false, attachmentId: null, at: iso(1) } },
    ]));
  it('blocks the test content when the proctor sends an incident', () => spec(running).when(incident).then(incidentEvents));
  it('does not block twice', () => {
    const again = cmd('SendMessage', { messageId: 'm2', text: 'Again', incident: true }, proctor, 6);
    expect(spec([...running, ...incidentEvents]).when(again).events().map((e) => e.type)).toEqual(['MessageSent']);
  });
  it('unblocks on the proctor\'s next normal message', () =>
    spec([...running, ...incidentEvents]).when(cmd('SendMessage', { messageId: 'm2', text: 'Thank you' }, proctor, 6)).then([
      { type: 'MessageSent', data: { messageId: 'm2', from: 'proctor1', role: 'proctor', text: 'Thank you', incident: false, attachmentId: null, at: iso(6) } },
      { type: 'ContentUnblocked', data: { messageId: 'm2', by: 'proctor1', at: iso(6) } },
    ]));
  it('does not unblock on the test-taker\'s message', () => {
    const reply = cmd('SendMessage', { messageId: 'm2', text: 'OK' }, student, 6);
    expect(spec([...running, ...incidentEvents]).when(reply).events().map((e) => e.type)).toEqual(['MessageSent']);
  });
  it('refuses an incident from the test-taker', () =>
    spec(running).when(cmd('SendMessage', { messageId: 'm3', text: 'x', incident: true }, student)).thenThrows(ValidationError, /proctor/));
  it('sends a file with no text', () =>
    spec([...running, { type: 'FileStored', data: { fileId: 'a1', kind: 'attachment', name: 'a.pdf', contentType: 'application/pdf', size: 3, sha256: 'b'.repeat(64), by: 'proctor1', at: iso(0) } }]).when(cmd('SendMessage', { messageId: 'm4', text: '', attachmentId: 'a1' }, proctor)).thenMatch([{ type: 'MessageSent', data: { text: '', attachmentId: 'a1' } }]));
  it('refuses an empty message without a file', () =>
    spec(running).when(cmd('SendMessage', { messageId: 'm5', text: ' ' }, student)).thenThrows(ValidationError, /empty/));
  it('refuses a message after the end', () =>
    spec([...running, finished]).when(cmd('SendMessage', { messageId: 'm6', text: 'late' }, student)).thenThrows(IllegalStateError, /finished/));
  it('ignores a message id sent twice', () =>
    spec([...running, ...incidentEvents]).when(cmd('SendMessage', { messageId: 'm1', text: 'Put the phone away', incident: true }, proctor)).then([]));
});

describe('proctor presence, notes, pause', () => {
  it('joins and leaves', () => {
    const joined: SessionEvent = { type: 'ProctorJoined', data: { proctor: 'proctor1', at: iso(1) } };
    spec(running).when(cmd('JoinAsProctor', {}, proctor, 1)).then([joined]);
    spec([...running, joined]).when(cmd('JoinAsProctor', {}, proctor, 2)).then([]);
    spec([...running, joined]).when(cmd('LeaveAsProctor', {}, proctor, 3)).then([{ type: 'ProctorLeft', data: { proctor: 'proctor1', at: iso(3) } }]);
  });
  it('adds a note, also after the end', () =>
    spec([...running, finished]).when(cmd('AddNote', { noteId: 'n1', text: 'Looked away often' }, proctor, 40)).then([
      { type: 'NoteAdded', data: { noteId: 'n1', author: 'proctor1', text: 'Looked away often', at: iso(40) } },
    ]));
  it('pauses and resumes, moving the deadline by the pause', () => {
    const paused: SessionEvent = { type: 'SessionPaused', data: { by: 'proctor1', at: iso(10) } };
    const resumed: SessionEvent = { type: 'SessionResumed', data: { by: 'proctor1', at: iso(15) } };
    spec(running).when(cmd('PauseSession', {}, proctor, 10)).then([paused]);
    spec([...running, paused]).when(cmd('ResumeSession', {}, proctor, 15)).then([resumed]);
    // The deadline moved from minute 60 to 65: a time-out at 62 is refused, at 65 accepted.
    spec([...running, paused, resumed]).when(cmd('FinishSession', { timeout: true }, system, 62)).thenThrows(IllegalStateError, /deadline/);
    spec([...running, paused, resumed]).when(cmd('FinishSession', { timeout: true }, system, 65)).thenMatch([{ type: 'SessionFinished', data: { by: 'timeout' } }, { type: 'ScoreComputed', data: { minutes: 60 } }]);
  });
  it('refuses to pause a session that has not started', () =>
    spec([created]).when(cmd('PauseSession', {}, proctor)).thenThrows(IllegalStateError, /scheduled/));
});

describe('finishing, scoring and concluding', () => {
  const minutes: SessionEvent[] = [
    { type: 'MetricsRecorded', data: { minute: 0, values: { c2: 50, b2: 10 }, at: iso(1) } },
    { type: 'MetricsRecorded', data: { minute: 1, values: { c2: 30, b2: 10 }, at: iso(2) } },
  ];
  it('finishes by the test-taker with a score from the share of time in violation, weighted', () =>
    // 4 minutes of session: c2 share (50+30)/4 = 20, weight 2 → 40; b2 share 20/4 = 5 → 5; score 55.
    spec([...running, ...minutes]).when(cmd('FinishSession', {}, student, 4)).then([
      { type: 'SessionFinished', data: { by: 'student', actor: 'student1', at: iso(4) } },
      {
        type: 'ScoreComputed',
        data: {
          score: 55, minutes: 4, at: iso(4),
          breakdown: [
            { code: 'b2', share: 5, weight: 1, contribution: 5 },
            { code: 'c2', share: 20, weight: 2, contribution: 40 },
            { code: 'm2', share: 0, weight: 1, contribution: 0 },
          ],
        },
      },
    ]));
  it('finishes by the proctor with a conclusion and comment', () =>
    spec(running).when(cmd('FinishSession', { conclusion: 'negative', comment: 'phone' }, proctor, 10)).thenMatch([
      { type: 'SessionFinished', data: { by: 'proctor' } },
      { type: 'ScoreComputed', data: { score: 100 } },
      { type: 'SessionConcluded', data: { conclusion: 'negative', comment: 'phone', by: 'proctor1', automatic: false } },
    ]));
  it('concludes automatically against the threshold when the session asks for it', () => {
    const auto: SessionEvent = { ...created, data: { ...(created as Extract<SessionEvent, { type: 'SessionCreated' }>).data, autoConclude: true } } as SessionEvent;
    spec([auto, checkedIn, started, ...minutes]).when(cmd('FinishSession', {}, student, 4)).thenMatch([
      { type: 'SessionFinished' },
      { type: 'ScoreComputed', data: { score: 55 } },
      { type: 'SessionConcluded', data: { conclusion: 'negative', automatic: true, by: 'system' } },
    ]);
  });
  it('refuses a conclusion from the test-taker', () =>
    spec(running).when(cmd('FinishSession', { conclusion: 'positive' }, student)).thenThrows(ValidationError, /test-taker/));
  it('refuses a time-out before the deadline', () =>
    spec(running).when(cmd('FinishSession', { timeout: true }, system, 59)).thenThrows(IllegalStateError, /deadline/));
  it('finishes twice as once', () => spec([...running, finished, scored]).when(cmd('FinishSession', {}, proctor, 31)).then([]));
  it('refuses to finish a session that has not started', () =>
    spec([created, checkedIn]).when(cmd('FinishSession', {}, proctor)).thenThrows(IllegalStateError, /waiting/));
  it('concludes a finished session (the Rate button)', () =>
    spec([...running, finished, scored]).when(cmd('ConcludeSession', { conclusion: 'positive', comment: 'ok' }, proctor, 40)).then([
      { type: 'SessionConcluded', data: { conclusion: 'positive', comment: 'ok', messageToStudent: null, by: 'proctor1', automatic: false, at: iso(40) } },
    ]));
  it('keeps the comment for the record and the message to the test-taker apart', () => {
    spec([...running, finished, scored]).when(cmd('ConcludeSession', { conclusion: 'negative', comment: 'Phone visible at 12:04', messageToStudent: ' Please contact the dean\'s office. ' }, proctor, 40)).then([
      { type: 'SessionConcluded', data: { conclusion: 'negative', comment: 'Phone visible at 12:04', messageToStudent: 'Please contact the dean\'s office.', by: 'proctor1', automatic: false, at: iso(40) } },
    ]);
    spec(running).when(cmd('FinishSession', { conclusion: 'negative', comment: 'phone', messageToStudent: 'See you at the retake.' }, proctor, 10)).thenMatch([
      { type: 'SessionFinished' }, { type: 'ScoreComputed' }, { type: 'SessionConcluded', data: { comment: 'phone', messageToStudent: 'See you at the retake.' } },
    ]);
  });
  it('refuses a message to the test-taker without a conclusion', () =>
    spec(running).when(cmd('FinishSession', { messageToStudent: 'bye' }, proctor, 10)).thenThrows(ValidationError, /goes with a conclusion/));
  it('refuses a message to the test-taker over 5000 characters', () =>
    spec([...running, finished, scored]).when(cmd('ConcludeSession', { conclusion: 'positive', messageToStudent: 'x'.repeat(5001) }, proctor, 40)).thenThrows(ValidationError, /message to the test-taker/));
  it('says an integration (the LMS) finished the session when it did', () =>
    spec(running).when(cmd('FinishSession', {}, { id: 'lms', role: 'integrator' }, 10)).thenMatch([{ type: 'SessionFinished', data: { by: 'integrator', actor: 'lms' } }, { type: 'ScoreComputed' }]));
  it('lets only an administrator change a conclusion', () => {
    const concluded: SessionEvent = { type: 'SessionConcluded', data: { conclusion: 'positive', comment: null, by: 'proctor1', automatic: false, at: iso(40) } };
    spec([...running, finished, scored, concluded]).when(cmd('ConcludeSession', { conclusion: 'negative' }, proctor, 41)).thenThrows(IllegalStateError, /administrator/);
    spec([...running, finished, scored, concluded]).when(cmd('ConcludeSession', { conclusion: 'negative' }, admin, 41)).thenMatch([{ type: 'SessionConcluded', data: { conclusion: 'negative' } }]);
  });
  it('refuses to conclude a session in progress', () =>
    spec(running).when(cmd('ConcludeSession', { conclusion: 'positive' }, proctor)).thenThrows(IllegalStateError, /in progress/));
  it('refuses a conclusion that is neither positive nor negative', () =>
    spec([...running, finished, scored]).when(cmd('ConcludeSession', { conclusion: 'maybe' as never }, proctor)).thenThrows(ValidationError, /neither/));
});

describe('recordings and calls', () => {
  const sha = 'a'.repeat(64);
  const segment = (seq: number, hash = sha) => cmd('StoreRecordingSegment', { track: 'camera', seq, start: at(seq), durationMs: 60_000, size: 1000, sha256: hash }, student, seq + 1);
  const stored: SessionEvent = { type: 'RecordingSegmentStored', data: { track: 'camera', seq: 0, start: iso(0), durationMs: 60_000, size: 1000, sha256: sha, at: iso(1) } };
  it('stores a segment once, and the same upload again as nothing', () => {
    spec(running).when(segment(0)).then([stored]);
    spec([...running, stored]).when(segment(0)).then([]);
  });
  it('refuses other content under a stored segment number', () =>
    spec([...running, stored]).when(segment(0, 'b'.repeat(64))).thenThrows(IllegalStateError, /already stored/));
  it('records a stretch lost outright, with its cause and no refusal, once', () => {
    const gap = cmd('RefuseRecordingSegment', { track: 'camera', seq: 3, start: at(3), durationMs: 380, reason: 'the media server went away', final: true }, SYSTEM_ACTOR, 4);
    spec(running).when(gap).then([{ type: 'RecordingSegmentLost', data: { track: 'camera', seq: 3, start: iso(3), durationMs: 380, reason: 'the media server went away', at: iso(4) } }]);
    const lost: SessionEvent = { type: 'RecordingSegmentLost', data: { track: 'camera', seq: 3, start: iso(3), durationMs: 380, reason: 'the media server went away', at: iso(4) } };
    spec([...running, lost]).when(gap).then([]);
  });
  it('refuses a segment under a number recorded lost: a gap stays a gap', () => {
    const lost: SessionEvent = { type: 'RecordingSegmentLost', data: { track: 'camera', seq: 0, start: iso(0), durationMs: 5_000, reason: 'the media server went away', at: iso(1) } };
    spec([...running, lost]).when(segment(0)).thenThrows(IllegalStateError, /segment 0 of camera is already recorded lost/);
    spec([...running, lost]).when(segment(1)).thenMatch([{ type: 'RecordingSegmentStored', data: { seq: 1 } }]);
  });
  it('refuses a segment before the session started', () =>
    spec([created, checkedIn]).when(segment(0)).thenThrows(IllegalStateError, /waiting/));
  it('takes late segments after the end (an upload queued while offline)', () =>
    spec([...running, finished]).when(segment(3)).thenMatch([{ type: 'RecordingSegmentStored', data: { seq: 3 } }]));
  it('takes a segment that began before the end, up to the moment of the end', () =>
    spec([...running, finished]).when(segment(30)).thenMatch([{ type: 'RecordingSegmentStored', data: { seq: 30, start: iso(30) } }]));
  it('refuses a segment that began after the end: nobody is recorded after their exam', () => {
    const late = cmd('StoreRecordingSegment', { track: 'screen', seq: 7, start: new Date(at(30).getTime() + 1), durationMs: 10_000, size: 1000, sha256: sha }, student, 31);
    spec([...running, finished]).when(late).thenThrows(IllegalStateError, `cannot store a recording that starts at ${new Date(at(30).getTime() + 1).toISOString()}: the session ended at ${iso(30)}`);
    spec([...running, finished, scored, { type: 'SessionConcluded', data: { conclusion: 'positive', comment: null, by: 'proctor1', automatic: false, at: iso(40) } }])
      .when(late).thenThrows(IllegalStateError, /the session ended/);
  });
  it('does not count a broken segment begun after the end as a gap in the recording', () =>
    spec([...running, finished]).when(cmd('RefuseRecordingSegment', { track: 'screen', seq: 7, start: at(31), durationMs: 10_000, reason: 'truncated' }, student, 32))
      .thenThrows(IllegalStateError, /the session ended/));
  it('records who played a stored segment', () =>
    spec([...running, stored]).when(cmd('RecordPlayback', { track: 'camera', seq: 0 }, { id: 'auditor1', role: 'auditor' }, 90)).then([
      { type: 'RecordingPlayed', data: { track: 'camera', seq: 0, by: 'auditor1', at: iso(90) } },
    ]));
  describe('when a reviewer opens the recording for watching', () => {
    const auditor: Actor = { id: 'auditor1', role: 'auditor' };
    const view = (until: Date, viewId = 'v-1') => cmd('ViewRecording', { viewId, until }, auditor, 90);
    it('logs one view, by whom and until when it lets segments be fetched', () =>
      spec([...running, stored]).when(view(at(92))).then([{ type: 'RecordingViewed', data: { viewId: 'v-1', by: 'auditor1', until: iso(92), at: iso(90) } }]));
    it('refuses a view of a session with nothing recorded', () => spec(running).when(view(at(92))).thenThrows(IllegalStateError, /nothing has been recorded/));
    it('refuses a view that ends before it starts or lasts over 12 hours, and a malformed id', () => {
      spec([...running, stored]).when(view(at(90))).thenThrows(ValidationError, /lasts/);
      spec([...running, stored]).when(view(at(90 + 12 * 60 + 1))).thenThrows(ValidationError, /lasts/);
      spec([...running, stored]).when(view(at(92), 'a b\n')).thenThrows(ValidationError, /view id/);
    });
  });
  it('starts one call at a time and ends it once', () => {
    const started: SessionEvent = { type: 'CallStarted', data: { callId: 'k1', by: 'proctor1', video: true, at: iso(5) } };
    spec(running).when(cmd('StartCall', { callId: 'k1', video: true }, proctor, 5)).then([started]);
    spec([...running, started]).when(cmd('StartCall', { callId: 'k2', video: false }, proctor, 6)).thenThrows(IllegalStateError, /already/);
    spec([...running, started]).when(cmd('EndCall', { callId: 'k1' }, student, 7)).then([{ type: 'CallEnded', data: { callId: 'k1', by: 'student1', at: iso(7) } }]);
    spec([...running, started, { type: 'CallEnded', data: { callId: 'k1', by: 'student1', at: iso(7) } }]).when(cmd('EndCall', { callId: 'k1' }, proctor, 7)).then([]);
  });
  it('connects a mobile camera only when the session asks for one and is not over', () => {
    const withPhone: SessionEvent = { ...created, data: { ...(created as Extract<SessionEvent, { type: 'SessionCreated' }>).data, secondCamera: true } } as SessionEvent;
    spec([withPhone, checkedIn, started]).when(cmd('ConnectMobileCamera', { userAgent: 'Android' }, student, 2))
      .then([{ type: 'MobileCameraConnected', data: { userAgent: 'Android', at: iso(2) } }]);
    spec(running).when(cmd('ConnectMobileCamera', { userAgent: 'Android' }, student, 2)).thenThrows(IllegalStateError, /second camera/);
    spec([withPhone, checkedIn, started, finished]).when(cmd('ConnectMobileCamera', { userAgent: 'Android' }, student, 31)).thenThrows(IllegalStateError, /finished/);
  });
});

describe('rescheduling a session its organisers set', () => {
  const scheduled = createdWith({ scheduledAt: iso(120) });
  const reschedule = (minute: number, actor: Actor = admin) => cmd('RescheduleSession', { scheduledAt: at(minute) }, actor);
  const moved = (minute: number, previous: string | null = iso(120)): SessionEvent => ({ type: 'SessionRescheduled', data: { scheduledAt: iso(minute), previous, by: 'admin', at: iso(0) } });

  it('moves the start, saying who moved it and from when', () => spec([scheduled]).when(reschedule(240)).then([moved(240)]));
  it('gives a time to a session that had none', () => spec([created]).when(reschedule(240)).then([moved(240, null)]));
  it('does nothing when the time is the same', () => spec([scheduled, moved(240)]).when(reschedule(240)).then([]));
  it('moves the check-in window with the start', () =>
    spec([scheduled, moved(240)]).when(cmd('CheckIn', { userAgent: 'ua', browserSupported: true }, student, 110)).thenThrows(IllegalStateError, `check-in opens at ${iso(225)}`));
  it('refuses a time that has passed', () => spec([scheduled]).when(reschedule(-60)).thenThrows(ValidationError, /has passed/));
  it('refuses a session that has started', () => spec(running).when(reschedule(240)).thenThrows(IllegalStateError, /in progress/));
  it('refuses a cancelled session', () =>
    spec([scheduled, { type: 'SessionCancelled', data: { reason: 'x', by: 'admin', at: iso(0) } }]).when(reschedule(240)).thenThrows(IllegalStateError, /cancelled/));
  it('refuses a session whose time the test-taker books', () =>
    spec([createdWith({ proctor: null, selfScheduling: true })]).when(reschedule(240)).thenThrows(IllegalStateError, /book another slot/));
});

describe('booking the time of a self-scheduled session', () => {
  const selfScheduled: SessionEvent = { type: 'SessionCreated', data: { ...(created.data as Extract<SessionEvent, { type: 'SessionCreated' }>['data']), proctor: null, selfScheduling: true } };
  const book = (minutesAhead: number, actor: Actor = student, proctorName = 'proctor2') => cmd('BookTime', { scheduledAt: at(minutesAhead), proctor: proctorName }, actor);
  const booked: SessionEvent = { type: 'SessionBooked', data: { scheduledAt: iso(120), proctor: 'proctor2', previousProctor: null, by: 'student1', at: iso(0) } };

  it('sets the time and the proctor', () => spec([selfScheduled]).when(book(120)).then([booked]));
  it('refuses a session whose time the organisers set', () => spec([created]).when(book(120)).thenThrows(IllegalStateError, /organisers/));
  it('refuses a time that has passed', () => spec([selfScheduled]).when(book(-5)).thenThrows(ValidationError, /passed/));
  it('lets the test-taker check in only once a time is booked', () => {
    spec([selfScheduled]).when(cmd('CheckIn', { userAgent: 'ua', browserSupported: true }, student)).thenThrows(IllegalStateError, /choose a time/);
    spec([selfScheduled, booked]).when(cmd('CheckIn', { userAgent: 'ua', browserSupported: true }, student, 110)).then([
      { type: 'ParticipantCheckedIn', data: { userAgent: 'ua', browserSupported: true, at: iso(110) } },
    ]);
  });
  it('opens check-in from the booked time', () =>
    spec([selfScheduled, booked]).when(cmd('CheckIn', { userAgent: 'ua', browserSupported: true }, student, 100)).thenThrows(IllegalStateError, `check-in opens at ${iso(105)}`));
  it('refuses once the test-taker has checked in', () => spec([selfScheduled, checkedIn]).when(book(120)).thenThrows(IllegalStateError, /waiting/));
  it('lets only an administrator change a booked session, its proctor, or cancel it', () => {
    spec([selfScheduled, booked]).when(book(180)).thenThrows(IllegalStateError, /only an administrator/);
    spec([selfScheduled, booked]).when(cmd('AssignProctor', { proctor: 'proctor3' }, { id: 'lms', role: 'integrator' })).thenThrows(IllegalStateError, /only an administrator/);
    spec([selfScheduled, booked]).when(cmd('CancelSession', { reason: 'moved' }, { id: 'lms', role: 'integrator' })).thenThrows(IllegalStateError, /only an administrator/);
    spec([selfScheduled, booked]).when(book(180, admin, 'proctor3')).then([
      { type: 'SessionBooked', data: { scheduledAt: iso(180), proctor: 'proctor3', previousProctor: 'proctor2', by: 'admin', at: iso(0) } },
    ]);
  });
});

describe('input no read model could hold', () => {
  const segment = (over: Partial<Extract<SessionCommand, { type: 'StoreRecordingSegment' }>['data']>) =>
    cmd('StoreRecordingSegment', { track: 'camera', seq: 0, start: at(1), durationMs: 10_000, size: 1000, sha256: 'c'.repeat(64), ...over }, student, 2);

  it('refuses a segment number past a whole number a column holds', () => {
    for (const seq of [2147483648, 1e300, -1, 1.5, Number.NaN]) spec(running).when(segment({ seq })).thenThrows(ValidationError, /segment number/);
  });
  it('refuses a segment start outside the years a timestamp holds, or outside the session', () => {
    for (const start of ['0000-01-01T00:00:00Z', '-271821-04-20T00:00:00Z', '+200000-01-01T00:00:00Z', '1999-12-31T23:59:59Z']) {
      spec(running).when(segment({ start: new Date(start) })).thenThrows(ValidationError, /segment start/);
    }
    spec(running).when(segment({ start: new Date('invalid') })).thenThrows(ValidationError, /segment start/);
    spec(running).when(segment({ start: at(-60) })).thenThrows(ValidationError, /outside the session/);
    spec(running).when(segment({ start: at(60) })).thenThrows(ValidationError, /outside the session/);
  });
  it('refuses a scheduled time in year 0 or after 2199', () => {
    for (const when of ['0000-01-01T00:00:00Z', '+200000-01-01T00:00:00Z', '2200-01-01T00:00:00Z']) {
      spec([]).when(cmd('CreateSession', { sessionId: 's9', name: 'X', student: 'student1', durationMinutes: 60, scheduledAt: new Date(when) })).thenThrows(ValidationError, /scheduled time/);
    }
  });
  it('refuses NUL and other control characters in a name, a tag or a message', () => {
    spec([]).when(cmd('CreateSession', { sessionId: 's9', name: 'Bad\u0000name', student: 'student1', durationMinutes: 60 })).thenThrows(ValidationError, /control characters/);
    spec([]).when(cmd('CreateSession', { sessionId: 's9', name: 'Exam', student: 'student1', durationMinutes: 60, tags: ['a\u0007b'] })).thenThrows(ValidationError, /control characters/);
    spec(running).when(cmd('SendMessage', { messageId: 'm9', text: 'hello\u0000' }, student)).thenThrows(ValidationError, /control characters/);
    spec(running).when(cmd('SendMessage', { messageId: 'm9', text: 'two\nlines\tand a tab' }, student)).thenMatch([{ type: 'MessageSent', data: { text: 'two\nlines\tand a tab' } }]);
  });
  it('refuses ids longer than an index holds', () => {
    spec(running).when(cmd('AddNote', { noteId: 'n'.repeat(101), text: 'x' }, proctor)).thenThrows(ValidationError, /note id/);
    spec(running).when(cmd('StartCall', { callId: 'c'.repeat(5000), video: true }, proctor)).thenThrows(ValidationError, /call id/);
  });
  it('cleans a user agent of control characters and cuts it', () => {
    const [event] = spec([created]).when(cmd('CheckIn', { userAgent: `A\u0000B${'x'.repeat(900)}`, browserSupported: true }, student)).events();
    const ua = (event as Extract<SessionEvent, { type: 'ParticipantCheckedIn' }>).data.userAgent;
    expect(ua.startsWith('A B')).toBe(true);
    expect(ua).toHaveLength(500);
  });
});
