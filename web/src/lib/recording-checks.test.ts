import { describe, expect, it } from 'vitest';
import { eventList } from './event-list.js';
import { describeAnalysis, describeContradiction, findingsSummary, type SecondSeen } from './recording-checks.js';

const second = (over: Partial<SecondSeen> = {}): SecondSeen => ({ faces: 1, distance: 0.3, stranger: false, dark: false, frozen: false, db: -60, loud: false, ...over });

describe('the server’s checks of a recording, in words', () => {
  it('counts the seconds of each finding and leaves out what was not seen', () => {
    expect(findingsSummary([second({ faces: 0 }), second({ faces: 0 }), second({ faces: 2, loud: true }), second({ faces: 0, dark: true })])).toBe(
      'no face 2 s, several faces 1 s, dark or covered 1 s, voices or noise 1 s',
    );
    expect(findingsSummary([second()])).toBe('');
  });

  it('says when a piece could not be analysed, and why', () => {
    expect(describeAnalysis({ track: 'camera', seq: 3, seconds: [], skipped: 'ffmpeg not installed' })).toEqual({
      what: 'could not analyse piece 3 of the camera recording', details: 'ffmpeg not installed', tone: 'warning', who: 'System',
    });
  });

  it('shows t1 on the protocol with both values', () => {
    const lines = eventList({
      entries: [{ seq: 9, kind: 'violation', type: 'ClientReportContradicted', at: '2026-03-01T09:01:00.000Z', actor: 'system', data: { minute: 0, code: 'c2', server: 100, client: 0, seconds: 10 } }],
      minutes: [], startedAt: null, student: 'ann',
    }, 'UTC');
    expect(lines[0]).toMatchObject({ who: 'System', what: 't1: the browser’s report does not match the recording', tone: 'danger' });
    expect(lines[0].details).toBe(describeContradiction({ minute: 0, code: 'c2', server: 100, client: 0, seconds: 10 }));
    expect(lines[0].details).toMatch(/^minute 1, c2 \(face invisible .*\): the recording shows 100\u00a0%, the browser reported 0\u00a0%/);
  });
});
