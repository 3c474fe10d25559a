import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, NotFoundError } from '../core/errors.js';
import type { SessionCommand } from './commands.js';
import { sessionDecider } from './decide.js';
import type { SessionEvent } from './events.js';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
const MIN = 60_000;
const DAY = 1440 * MIN;
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const system: Actor = { id: 'system', role: 'system' };
const auditor: Actor = { id: 'auditor1', role: 'auditor' };
const spec = specFor(sessionDecider);
const STAGES = { compatibilityCheck: false, facePhoto: true, idPhoto: false, proctorApproval: false };
const ADDONS = { screen: false, secondCamera: false, chat: true, calls: false, contentProtection: false };

const created = (retentionDays?: number): SessionEvent => ({
  type: 'SessionCreated',
  data: {
    sessionId: 's1', name: 'Exam', student: 'student1', studentName: null, proctor: 'proctor1', durationMinutes: 60, scheduledAt: null,
    metrics: ['b2'], weights: {}, threshold: 50, autoConclude: false, url: null, template: null, tags: [], secondCamera: false,
    createdBy: 'admin', integrationId: null, at: iso(-DAY),
    ...(retentionDays ? { fromTemplate: { templateId: 't1', version: 1, stages: STAGES, addons: ADDONS, rules: null, retentionDays } } : {}),
  },
});
const sha = 'a'.repeat(64);
const lived: SessionEvent[] = [
  { type: 'ParticipantCheckedIn', data: { userAgent: 'Chromium', browserSupported: true, at: iso(-MIN) } },
  { type: 'SessionStarted', data: { at: iso(0), deadline: iso(60 * MIN) } },
  { type: 'RecordingSegmentStored', data: { track: 'camera', seq: 0, start: iso(0), durationMs: 4000, size: 10, sha256: sha, at: iso(MIN) } },
  { type: 'FileStored', data: { fileId: 'f-photo', kind: 'face', name: 'face.png', contentType: 'image/png', size: 5, sha256: sha, by: 'student1', at: iso(MIN) } },
  { type: 'FileStored', data: { fileId: 'f-chat', kind: 'attachment', name: 'a.pdf', contentType: 'application/pdf', size: 5, sha256: sha, by: 'proctor1', at: iso(MIN) } },
  { type: 'SessionFinished', data: { by: 'student', actor: 'student1', at: iso(30 * MIN) } },
];
const deleteAt = (ms: number, defaultRetentionDays = 90): SessionCommand =>
  ({ type: 'DeleteSessionMedia', data: { reason: 'retention', defaultRetentionDays }, metadata: { now: new Date(T0 + ms), actor: system, commandId: `d${ms}` } });
const deleted = (retentionDays: number, ms: number): SessionEvent => ({
  type: 'SessionMediaDeleted',
  data: { reason: 'retention', retentionDays, endedAt: iso(30 * MIN), recordings: 1, photos: 1, files: 1, at: iso(ms) },
});

describe('when the retention sweep deletes a session\'s media', () => {
  it('records it once the template\'s days have passed since the end, with what there was', () =>
    spec([created(1), ...lived]).when(deleteAt(30 * MIN + DAY)).then([deleted(1, 30 * MIN + DAY)]));

  it('refuses before the days have passed', () =>
    spec([created(1), ...lived]).when(deleteAt(30 * MIN + DAY - 1)).thenThrows(IllegalStateError, /kept until 2026-03-02T09:30:00.000Z \(1 days/));

  it('counts the default template\'s days for a session made without a template', () => {
    spec([created(), ...lived]).when(deleteAt(30 * MIN + DAY, 2)).thenThrows(IllegalStateError, /kept until/);
    spec([created(), ...lived]).when(deleteAt(30 * MIN + 2 * DAY, 2)).then([deleted(2, 30 * MIN + 2 * DAY)]);
  });

  it('counts a cancelled session from its cancellation', () =>
    spec([created(1), { type: 'SessionCancelled', data: { reason: 'ill', by: 'admin', at: iso(0) } }])
      .when(deleteAt(DAY))
      .thenMatch([{ type: 'SessionMediaDeleted', data: { endedAt: iso(0), recordings: 0, photos: 0, files: 0 } }]));

  it('refuses a session that has not ended', () =>
    spec([created(1), ...lived.slice(0, 3)]).when(deleteAt(10 * DAY)).thenThrows(IllegalStateError, /in progress/));

  it('records nothing the second time', () =>
    spec([created(1), ...lived, deleted(1, 30 * MIN + DAY)]).when(deleteAt(3 * DAY)).then([]));
});

describe('when someone opens a file of the session', () => {
  const view = (ms: number, fileId = 'f-photo', actor = auditor): SessionCommand =>
    ({ type: 'RecordFileView', data: { fileId }, metadata: { now: new Date(T0 + ms), actor, commandId: `v${ms}` } });
  const viewed = (ms: number, by = 'auditor1'): SessionEvent => ({ type: 'FileViewed', data: { fileId: 'f-photo', kind: 'face', by, at: iso(ms) } });

  it('logs who opened which file', () => spec([created(1), ...lived]).when(view(DAY)).then([viewed(DAY)]));

  it('logs repeated reads by the same person within 10 minutes once, and again after', () => {
    spec([created(1), ...lived, viewed(DAY)]).when(view(DAY + 10 * MIN - 1)).then([]);
    spec([created(1), ...lived, viewed(DAY)]).when(view(DAY + 10 * MIN)).then([viewed(DAY + 10 * MIN)]);
  });

  it('logs another person\'s read of the same file apart', () =>
    spec([created(1), ...lived, viewed(DAY)]).when(view(DAY + MIN, 'f-photo', { id: 'admin', role: 'admin' })).then([viewed(DAY + MIN, 'admin')]));

  it('refuses a file the session does not have', () => spec([created(1), ...lived]).when(view(DAY, 'f-other')).thenThrows(NotFoundError));
});
