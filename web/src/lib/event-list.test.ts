import { describe, expect, it } from 'vitest';
import { SESSION_EVENT_TYPES } from '../../../src/domain/session/events.js';
import { describeEntry, describeMinute, DESCRIBED_TYPES, eventList, formatWhen, type TimelineEntryLike } from './event-list.js';

const TZ = 'Europe/Berlin';
const entry = (type: string, data: Record<string, unknown>, actor: string | null = 'proctor1', at = '2026-11-30T13:03:12.000Z'): TimelineEntryLike => ({
  seq: 1, kind: 'state', type, at, actor, data: { type, ...data },
});
const line = (type: string, data: Record<string, unknown>, actor?: string | null) => {
  const l = describeEntry(entry(type, data, actor), TZ);
  return { who: l.who, what: l.what, details: l.details, tone: l.tone };
};

describe('the protocol’s event list in words', () => {
  it('dates every line: time with seconds, day, month and year, in the reader’s time zone', () => {
    expect(formatWhen('2026-11-30T13:03:12.000Z', TZ)).toBe('14:03:12, 30 Nov 2026');
    expect(formatWhen('2026-11-30T23:30:00.000Z', TZ)).toBe('00:30:00, 1 Dec 2026');
    expect(describeEntry(entry('NoteAdded', { text: 'x' }), TZ).when).toBe('14:03:12, 30 Nov 2026');
  });

  it('says what a chat message said, and that an incident blocks the test', () => {
    expect(line('MessageSent', { from: 'proctor1', text: 'Please look at the camera', incident: true })).toEqual({
      who: 'proctor1', what: 'sent an incident message (the test content is blocked)', details: '“Please look at the camera”', tone: 'danger',
    });
    expect(line('MessageSent', { from: 'student1', text: 'OK', incident: false, attachmentId: 'f1' }, 'student1')).toEqual({
      who: 'student1', what: 'sent a message', details: '“OK” with a file', tone: 'plain',
    });
  });

  it('gives the face verdict and why, with its distance and the look-alike profiles, by the system', () => {
    expect(line('FaceChecked', { result: 'red', reason: 'mismatch', faceCount: 1, distance: 0.7142, similarProfiles: [] }, 'system')).toEqual({
      who: 'System', what: 'face check: red, does not match the profile', details: 'distance 0.71', tone: 'danger',
    });
    expect(line('FaceChecked', { result: 'red', reason: 'several_faces', faceCount: 2, distance: null, similarProfiles: [] }, 'system')).toMatchObject({
      what: 'face check: red, 2 faces in the photo', details: null,
    });
    // Checks recorded before reasons were say their colour only.
    expect(line('FaceChecked', { result: 'red', distance: 0.7, similarProfiles: [] }, 'system').what).toBe('face check: red, does not match the profile');
    expect(line('FaceChecked', { result: 'yellow', distance: 0.42, similarProfiles: ['student9'] }, 'system').details).toBe('distance 0.42; similar profiles: student9');
  });

  it('names a violation by its code and what it means', () => {
    expect(line('ViolationDetected', { code: 'c3', detail: '2 faces' }, 'student1')).toEqual({
      who: 'student1', what: 'violation c3 (several faces in front of the camera)', details: '2 faces', tone: 'danger',
    });
  });

  it('says how the session ended, and who concluded what', () => {
    expect(line('SessionFinished', { by: 'timeout', actor: 'system' }, 'system')).toMatchObject({ who: 'System', what: 'finished the session: the time allowed ran out' });
    expect(line('SessionFinished', { by: 'student', actor: 'student1' }, 'student1')).toMatchObject({ who: 'student1', what: 'finished the session (the test-taker)' });
    expect(line('SessionFinished', { by: 'proctor', actor: 'proctor1' }, 'proctor1')).toMatchObject({ who: 'proctor1', what: 'finished the session (the proctor)' });
    expect(line('SessionConcluded', { conclusion: 'negative', comment: 'Phone on the desk', automatic: false }, 'proctor1')).toEqual({
      who: 'proctor1', what: 'gave the conclusion: negative', details: '“Phone on the desk”', tone: 'danger',
    });
    expect(line('SessionConcluded', { conclusion: 'positive', comment: 'Fine', messageToStudent: 'Well done', automatic: false }, 'proctor1').details).toBe('“Fine”; told the test-taker: “Well done”');
    expect(line('ScoreComputed', { score: 33.33, minutes: 6, breakdown: [{ code: 'c2', contribution: 60 }, { code: 'm2', contribution: 0 }] }, 'student1')).toMatchObject({
      who: 'System',
      what: 'computed the score: 33.33 of 100', details: 'over 6 min; points off: c2 −60',
    });
  });

  it('logs who watched the recording and until when the view lets them', () => {
    expect(line('RecordingViewed', { viewId: 'v', by: 'auditor1', until: '2026-11-30T15:03:12.000Z' }, 'auditor1')).toMatchObject({
      who: 'auditor1', what: 'opened the recording for watching', details: 'the view lasts until 16:03:12, 30 Nov 2026',
    });
  });

  it('logs who opened which photo or chat file', () => {
    expect(line('FileViewed', { fileId: 'f1', kind: 'face', by: 'auditor1' }, 'auditor1')).toMatchObject({ who: 'auditor1', what: 'opened the face photo', details: 'file f1' });
    expect(line('FileViewed', { fileId: 'f2', kind: 'attachment', by: 'proctor1' }).what).toBe('opened a file of the chat');
  });

  it('says the media was deleted on which day under the retention policy, with what there was', () => {
    const data = { reason: 'retention', retentionDays: 1, endedAt: '2026-11-29T13:00:00.000Z', recordings: 3, photos: 1, files: 0, at: '2026-11-30T13:03:12.000Z' };
    expect(line('SessionMediaDeleted', data, null)).toEqual({
      who: 'System', what: 'deleted the recordings, photos and files on 30 Nov 2026 under the retention policy (1 day)',
      details: '3 pieces of recording, 1 photo, 0 files; the session ended 14:00:00, 29 Nov 2026', tone: 'warning',
    });
  });

  it('says when a recording piece came broken and when one was lost, with the cause', () => {
    expect(line('RecordingSegmentRefused', { track: 'screen', seq: 4, reason: 'no frames', attempt: 2 }, 'student1')).toMatchObject({
      what: 'sent a broken piece of the screen recording; it was refused and asked again', details: 'attempt 2: no frames', tone: 'warning',
    });
    expect(line('RecordingSegmentLost', { track: 'mobile', seq: 4, durationMs: 10_000, reason: 'no frames' }, 'student1')).toMatchObject({
      what: 'lost a piece of the phone camera recording (10 s)', details: 'no frames', tone: 'danger',
    });
    expect(line('RecordingSegmentLost', { track: 'camera', seq: 5, durationMs: 380, reason: 'the media server (Janus) holding the publisher went away' }, 'System')).toMatchObject({
      what: 'lost a piece of the camera recording (0.4 s)', details: 'the media server (Janus) holding the publisher went away',
    });
  });

  it('has words for every event a session can have (none falls back to its type name)', () => {
    expect(SESSION_EVENT_TYPES.filter((t) => !DESCRIBED_TYPES.includes(t))).toEqual([]);
  });

  it('falls back to the type name in words for an event this page does not know yet', () => {
    expect(line('SomethingNewHappened', {})).toMatchObject({ what: 'something new happened', details: null });
  });

  it('adds one line per minute with measured violations, largest first, red from a sum of 50', () => {
    const m = describeMinute({ minute: 11, total: 55, values: [{ code: 'c2', value: 20 }, { code: 'b2', value: 35 }, { code: 'm2', value: 0 }] }, '2026-11-30T13:00:00.000Z', 'student1', TZ)!;
    expect(m).toMatchObject({
      when: '14:11:00, 30 Nov 2026',
      who: 'student1’s browser',
      what: 'measured in minute 12: b2 (focus changed to a different window) 35\u00a0%, c2 (face invisible or not looking into the camera) 20\u00a0%',
      tone: 'danger',
    });
    expect(describeMinute({ minute: 0, total: 0, values: [{ code: 'c2', value: 0 }] }, '2026-11-30T13:00:00.000Z', 'student1', TZ)).toBeNull();
  });

  it('leaves the server\'s t1 out of what the browser measured: it has its own line', () => {
    expect(describeMinute({ minute: 0, total: 100, values: [{ code: 't1', value: 100 }] }, '2026-11-30T13:00:00.000Z', 'student1', TZ)).toBeNull();
    expect(describeMinute({ minute: 0, total: 110, values: [{ code: 't1', value: 100 }, { code: 'b2', value: 10 }] }, '2026-11-30T13:00:00.000Z', 'student1', TZ)).toMatchObject({
      what: 'measured in minute 1: b2 (focus changed to a different window) 10\u00a0%',
      tone: 'warning',
    });
  });

  it('puts entries and minutes in time order, a minute after what happened at its first instant', () => {
    const start = '2026-11-30T13:00:00.000Z';
    const lines = eventList({
      startedAt: start,
      student: 'student1',
      minutes: [{ minute: 0, total: 10, values: [{ code: 'b2', value: 10 }] }, { minute: 1, total: 0, values: [] }],
      entries: [
        { ...entry('SessionStarted', { deadline: '2026-11-30T14:00:00.000Z' }, 'student1', start), seq: 3 },
        { ...entry('NoteAdded', { text: 'ok' }, 'proctor1', '2026-11-30T13:00:30.000Z'), seq: 4 },
      ],
    }, TZ);
    expect(lines.map((l) => l.what)).toEqual(['started the session', 'measured in minute 1: b2 (focus changed to a different window) 10\u00a0%', 'added a note']);
  });
});
