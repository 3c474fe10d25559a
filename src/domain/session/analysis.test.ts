import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import type { SessionCommand } from './commands.js';
import { sessionDecider } from './decide.js';
import type { SecondFindings, SessionEvent } from './events.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();
const system: Actor = { id: 'system', role: 'system' };
const student: Actor = { id: 'student1', role: 'student' };
const sha = 'a'.repeat(64);

const cmd = (type: SessionCommand['type'], data: unknown, minute: number, actor = system): SessionCommand =>
  ({ type, data, metadata: { now: at(minute), actor, commandId: `c-${type}-${minute}` } }) as SessionCommand;

const created = (metrics: string[]): SessionEvent => ({
  type: 'SessionCreated',
  data: {
    sessionId: 's1', name: 'Exam', student: 'student1', studentName: null, proctor: 'proctor1', durationMinutes: 60, scheduledAt: null,
    metrics, weights: { t1: 2 }, threshold: 50, autoConclude: false, url: null, template: null, tags: [], secondCamera: false,
    checkInBeforeMinutes: 15, checkInAfterMinutes: 60, createdBy: 'admin', integrationId: null, at: iso(-60),
  } as Extract<SessionEvent, { type: 'SessionCreated' }>['data'],
});
const started: SessionEvent = { type: 'SessionStarted', data: { at: iso(0), deadline: iso(60) } };
const stored = (seq: number, minute: number): SessionEvent => ({
  type: 'RecordingSegmentStored', data: { track: 'camera', seq, start: iso(minute), durationMs: 10_000, size: 1000, sha256: sha, at: iso(minute) },
});
const running = (metrics = ['c2', 'c3', 'c4', 'm2', 't1']) => [created(metrics), started, stored(0, 0)];
const clean: MetricsValues = { c2: 0, c3: 0, c4: 0, m2: 0 };
type MetricsValues = Record<string, number>;
const metrics = (minute: number, values: MetricsValues): SessionEvent => ({ type: 'MetricsRecorded', data: { minute, values, at: iso(minute + 1) } });

const second = (over: Partial<SecondFindings> = {}): SecondFindings => ({ faces: 1, distance: 0.3, stranger: false, dark: false, frozen: false, db: -60, loud: false, ...over });
const seconds = (n: number, over: Partial<SecondFindings> = {}) => Array.from({ length: n }, () => second(over));
const analyse = (findings: SecondFindings[], minute = 1, seq = 0) => cmd('RecordAnalysis', { track: 'camera', seq, seconds: findings }, minute);

const spec = specFor(sessionDecider);

describe('recording the analysis of a segment', () => {
  it('records the findings of each second, placed by the segment start', () => {
    spec(running()).when(analyse(seconds(2))).then([
      { type: 'RecordingAnalysed', data: { track: 'camera', seq: 0, start: iso(0), seconds: seconds(2), skipped: null, at: iso(1) } },
    ]);
  });

  it('records a segment it could not analyse, with the reason', () =>
    spec(running()).when(cmd('RecordAnalysis', { track: 'camera', seq: 0, seconds: [], skipped: 'ffmpeg not installed' }, 1)).thenMatch([
      { type: 'RecordingAnalysed', data: { seconds: [], skipped: 'ffmpeg not installed' } },
    ]));

  it('records a segment once, however often its job runs', () => {
    const first = spec(running()).when(analyse(seconds(2))).events();
    spec([...running(), ...first]).when(analyse(seconds(2))).then([]);
  });

  it('refuses a segment that was never stored', () => spec(running()).when(analyse(seconds(1), 1, 9)).thenThrows(IllegalStateError, /no segment 9 of camera/));

  it('refuses findings a read model cannot hold', () => {
    spec(running()).when(analyse([second({ faces: -1 })])).thenThrows(ValidationError, /faces/);
    spec(running()).when(analyse([second({ distance: Number.NaN })])).thenThrows(ValidationError, /distance/);
    spec(running()).when(analyse([second({ db: 12 })])).thenThrows(ValidationError, /sound level/);
    spec(running()).when(analyse(seconds(601))).thenThrows(ValidationError, /at most 600 seconds/);
  });
});

describe('when the recording contradicts the browser (t1)', () => {
  it('raises t1 with both values when the browser reported a face the recording does not show', () => {
    spec([...running(), metrics(0, clean)]).when(analyse(seconds(10, { faces: 0, distance: null }))).then([
      { type: 'RecordingAnalysed', data: { track: 'camera', seq: 0, start: iso(0), seconds: seconds(10, { faces: 0, distance: null }), skipped: null, at: iso(1) } },
      { type: 'ClientReportContradicted', data: { minute: 0, code: 'c2', server: 100, client: 0, seconds: 10, at: iso(1) } },
    ]);
  });

  it('raises t1 when the minute is reported after the analysis', () => {
    const analysed = spec(running()).when(analyse(seconds(10, { faces: 2, loud: true, db: -12 }))).events();
    spec([...running(), ...analysed]).when(cmd('RecordMetrics', { minute: 0, values: clean }, 1, student)).thenMatch([
      { type: 'MetricsRecorded' },
      { type: 'ClientReportContradicted', data: { code: 'c3', server: 100, client: 0 } },
      { type: 'ClientReportContradicted', data: { code: 'm2', server: 100, client: 0 } },
    ]);
  });

  it('raises nothing where both agree, nor on fewer than ten seconds seen', () => {
    spec([...running(), metrics(0, { ...clean, c2: 90 })]).when(analyse(seconds(10, { faces: 0, distance: null }))).thenMatch([{ type: 'RecordingAnalysed' }]);
    expect(spec([...running(), metrics(0, clean)]).when(analyse(seconds(9, { faces: 0, distance: null }))).events()).toHaveLength(1);
  });

  it('counts a stranger only where a reference face was compared', () => {
    const noReference = seconds(10, { distance: null, stranger: false });
    expect(spec([...running(), metrics(0, { ...clean, c4: 100 })]).when(analyse(noReference)).events()).toHaveLength(1);
    spec([...running(), metrics(0, clean)]).when(analyse(seconds(10, { distance: 0.8, stranger: true }))).thenMatch([
      { type: 'RecordingAnalysed' }, { type: 'ClientReportContradicted', data: { code: 'c4', server: 100, client: 0 } },
    ]);
  });

  it('raises nothing for a session that does not use t1, nor twice for one minute and metric', () => {
    expect(spec([...running(['c2', 'm2']), metrics(0, { c2: 0, m2: 0 })]).when(analyse(seconds(10, { faces: 0 }))).events()).toHaveLength(1);
    const first = spec([...running(), metrics(0, clean), stored(1, 0.5)]).when(analyse(seconds(10, { faces: 0 }))).events();
    expect(spec([...running(), metrics(0, clean), stored(1, 0.5), ...first]).when(analyse(seconds(10, { faces: 0 }), 1, 1)).events()).toHaveLength(1);
  });

  it('refuses t1 reported by a browser', () =>
    spec([...running()]).when(cmd('RecordMetrics', { minute: 0, values: { t1: 0 } }, 1, student)).thenThrows(ValidationError, /decided by the server/));

  it('weighs a contradicted minute in the score computed again after the end', () => {
    const finished: SessionEvent = { type: 'SessionFinished', data: { by: 'student', actor: 'student1', at: iso(10) } };
    const events = spec([...running(), metrics(0, clean), finished]).when(analyse(seconds(10, { faces: 0 }), 11)).events();
    const score = events.find((e) => e.type === 'ScoreComputed');
    // One minute of ten in violation at weight 2: 100 − 10 × 2.
    expect(score).toMatchObject({ data: { score: 80, breakdown: expect.arrayContaining([{ code: 't1', share: 10, weight: 2, contribution: 20 }]) } });
  });
});
