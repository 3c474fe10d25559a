import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError } from '../core/errors.js';
import { sessionFromTemplate } from '../template/for-session.js';
import { DEFAULT_TEMPLATE } from '../template/settings.js';
import type { SessionTemplateRef } from '../template/ref.js';
import type { SessionCommand } from './commands.js';
import { sessionDecider } from './decide.js';
import type { SessionEvent } from './events.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };
const spec = specFor(sessionDecider);

let n = 0;
function cmd<T extends SessionCommand['type']>(type: T, data: Extract<SessionCommand, { type: T }>['data'], actor: Actor, minute = 0): SessionCommand {
  n += 1;
  return { type, data, metadata: { now: at(minute), actor, commandId: `steps-${n}` } } as SessionCommand;
}

const everything: SessionTemplateRef = {
  templateId: 'entrance', version: 2, rules: 'Alone.', retentionDays: 365,
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: true, proctorApproval: true },
  addons: { screen: true, secondCamera: true, chat: true, calls: true, contentProtection: true },
};
const nothing: SessionTemplateRef = {
  ...everything, templateId: 'bare',
  stages: { compatibilityCheck: false, facePhoto: false, idPhoto: false, proctorApproval: false },
  addons: { screen: false, secondCamera: false, chat: false, calls: false, contentProtection: false },
};

function createdFrom(fromTemplate: SessionTemplateRef | undefined, secondCamera = false): SessionEvent {
  return {
    type: 'SessionCreated',
    data: {
      sessionId: 's1', name: 'Exam', student: 'student1', studentName: null, proctor: 'proctor1', durationMinutes: 60, scheduledAt: null,
      metrics: ['b2', 'c2'], weights: {}, threshold: 50, autoConclude: false, url: null, template: fromTemplate?.templateId ?? null, tags: [],
      secondCamera, createdBy: 'admin', integrationId: null, ...(fromTemplate ? { fromTemplate } : {}), at: iso(-60),
    },
  };
}
const checkedIn: SessionEvent = { type: 'ParticipantCheckedIn', data: { userAgent: 'Chromium', browserSupported: true, at: iso(-3) } };
const photo = (kind: 'face' | 'document'): SessionEvent[] => [
  { type: 'FileStored', data: { fileId: `${kind}-1`, kind, name: `${kind}.jpg`, contentType: 'image/jpeg', size: 10, sha256: 'a'.repeat(64), by: 'student1', at: iso(-2) } },
  { type: 'IdentityPhotoSubmitted', data: { photoId: `${kind}-1`, kind, at: iso(-2) } },
];
const approved: SessionEvent = { type: 'IdentityVerified', data: { by: 'proctor1', method: 'proctor', at: iso(-1) } };
const started: SessionEvent = { type: 'SessionStarted', data: { at: iso(0), deadline: iso(60) } };
const start = () => cmd('StartSession', {}, student, 0);

describe('when the template asks for photos and the proctor\'s approval', () => {
  const waiting = [createdFrom(everything, true), checkedIn];

  it('refuses the start while a face photo, an ID photo and the approval are missing, naming them', () =>
    spec(waiting).when(start()).thenThrows(IllegalStateError, /face photo and an ID document photo and the proctor's approval/));

  it('refuses the start with both photos until a proctor approves', () =>
    spec([...waiting, ...photo('face'), ...photo('document')]).when(start()).thenThrows(IllegalStateError, /waiting for the proctor's approval$/));

  it('records which proctor approved', () =>
    spec(waiting).when(cmd('VerifyIdentity', { method: 'proctor' }, proctor, -1)).then([approved]));

  it('approves once: a second approval changes nothing', () =>
    spec([...waiting, approved]).when(cmd('VerifyIdentity', { method: 'proctor' }, { id: 'proctor2', role: 'proctor' }, -1)).then([]));

  it('does not take an automatic identity check for the approval', () => {
    const automatic: SessionEvent = { type: 'IdentityVerified', data: { by: 'system', method: 'automatic', at: iso(-2) } };
    spec([...waiting, ...photo('face'), ...photo('document'), automatic]).when(start()).thenThrows(IllegalStateError, /approval/);
    spec([...waiting, automatic]).when(cmd('VerifyIdentity', { method: 'proctor' }, proctor, -1)).then([approved]);
  });

  it('starts once the photos are in and a proctor approved', () =>
    spec([...waiting, ...photo('face'), ...photo('document'), approved]).when(start()).then([started]));

  it('refuses the approval before the test-taker checked in', () =>
    spec([createdFrom(everything)]).when(cmd('VerifyIdentity', { method: 'proctor' }, proctor, -1)).thenThrows(IllegalStateError, /not checked in/));
});

describe('when the template turns every stage and addon off', () => {
  const running = [createdFrom(nothing), checkedIn, started];

  it('starts right after check-in: no photo, no approval', () => spec([createdFrom(nothing), checkedIn]).when(start()).then([started]));

  it('refuses the test-taker\'s chat messages', () =>
    spec(running).when(cmd('SendMessage', { messageId: 'm1', text: 'hello' }, student, 1)).thenThrows(IllegalStateError, /chat is off/));

  it('still lets the proctor warn with an incident message and lift it', () => {
    const events = spec(running).when(cmd('SendMessage', { messageId: 'm1', text: 'Look at the screen', incident: true }, proctor, 1)).events();
    expect(events.map((e) => e.type)).toEqual(['MessageSent', 'ContentBlocked']);
  });

  it('refuses a call', () => spec(running).when(cmd('StartCall', { callId: 'k1', video: true }, proctor, 1)).thenThrows(IllegalStateError, /calls are off/));

  it('refuses a screen or a second-camera recording but keeps the camera\'s', () => {
    const segment = (track: 'camera' | 'screen' | 'mobile') =>
      cmd('StoreRecordingSegment', { track, seq: 0, start: at(0), durationMs: 60_000, size: 1000, sha256: 'b'.repeat(64) }, student, 1);
    spec(running).when(segment('screen')).thenThrows(IllegalStateError, /screen sharing is off/);
    spec(running).when(segment('mobile')).thenThrows(IllegalStateError, /second camera is off/);
    spec(running).when(segment('camera')).thenMatch([{ type: 'RecordingSegmentStored' }]);
  });
});

describe('when a session has no template', () => {
  it('starts without photos, as sessions always did', () => spec([createdFrom(undefined), checkedIn]).when(start()).then([started]));
  it('keeps the chat and calls', () => {
    const running = [createdFrom(undefined), checkedIn, started];
    spec(running).when(cmd('SendMessage', { messageId: 'm1', text: 'hello' }, student, 1)).thenMatch([{ type: 'MessageSent' }]);
    spec(running).when(cmd('StartCall', { callId: 'k1', video: false }, proctor, 1)).thenMatch([{ type: 'CallStarted' }]);
  });
});

describe('when a template turns screen sharing off', () => {
  it('leaves the screen metrics out of its sessions, which could not measure them', () => {
    const settings = sessionFromTemplate('quiz', 1, { ...DEFAULT_TEMPLATE, addons: { ...DEFAULT_TEMPLATE.addons, screen: false } }, {});
    expect(settings.metrics).not.toContain('s1');
    expect(settings.metrics).not.toContain('s2');
    expect(settings.metrics).toHaveLength(15);
  });
});
