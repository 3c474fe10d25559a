import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../../src/domain/core/decider.js';
import { DomainError } from '../../../../src/domain/core/errors.js';
import type { SessionCommand } from '../../../../src/domain/session/commands.js';
import { sessionDecider } from '../../../../src/domain/session/decide.js';
import type { SessionEvent } from '../../../../src/domain/session/events.js';
import { eventTime, foldStream, stepAtTime, stepView, type ReplayEvent } from './replay.js';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
const admin: Actor = { id: 'admin', role: 'admin' };
const student: Actor = { id: 'student1', role: 'student' };
const proctors: Actor[] = [{ id: 'proctor1', role: 'proctor' }, { id: 'proctor2', role: 'proctor' }];

/** One step of a generated session: a command, by whom, some seconds after the one before. */
type Step = { kind: string; by: number; seconds: number; n: number; flag: boolean };

const STEP = fc.record({
  kind: fc.constantFrom('checkIn', 'start', 'metrics', 'violation', 'join', 'leave', 'message', 'incident', 'note', 'pause', 'resume', 'face', 'finish', 'conclude', 'replay'),
  by: fc.integer({ min: 0, max: 1 }),
  seconds: fc.integer({ min: 1, max: 400 }),
  n: fc.integer({ min: 0, max: 100 }),
  flag: fc.boolean(),
});

function command(step: Step, i: number, now: Date): { type: SessionCommand['type']; data: unknown; actor: Actor } {
  const proctor = proctors[step.by];
  switch (step.kind) {
    case 'checkIn': return { type: 'CheckIn', data: { userAgent: 'Chromium 156', browserSupported: true }, actor: student };
    case 'start': return { type: 'StartSession', data: {}, actor: student };
    case 'metrics': return { type: 'RecordMetrics', data: { minute: step.n % 12, values: { b2: step.n, c2: 100 - step.n } }, actor: student };
    case 'violation': return { type: 'RecordViolation', data: { code: 'b2' }, actor: student };
    case 'join': return { type: 'JoinAsProctor', data: {}, actor: proctor };
    case 'leave': return { type: 'LeaveAsProctor', data: {}, actor: proctor };
    case 'message': return { type: 'SendMessage', data: { messageId: `m${i}`, text: `hello ${i}`, incident: false }, actor: proctor };
    case 'incident': return { type: 'SendMessage', data: { messageId: `m${i}`, text: 'look at the camera', incident: true }, actor: proctor };
    case 'note': return { type: 'AddNote', data: { noteId: `n${i}`, text: `note ${i}` }, actor: proctor };
    case 'pause': return { type: 'PauseSession', data: {}, actor: proctor };
    case 'resume': return { type: 'ResumeSession', data: {}, actor: proctor };
    case 'face': return { type: 'RecordFaceCheck', data: { photoId: `p${i}`, result: (['green', 'yellow', 'red'] as const)[step.n % 3] }, actor: { id: 'system', role: 'system' } };
    case 'finish': return { type: 'FinishSession', data: step.flag ? { conclusion: 'positive' } : {}, actor: proctor };
    case 'conclude': return { type: 'ConcludeSession', data: { conclusion: step.flag ? 'positive' : 'negative' }, actor: proctor };
    case 'replay': return { type: 'RecordReplay', data: { events: i }, actor: { id: 'auditor1', role: 'auditor' } };
    default: throw new Error(`no step ${step.kind} at ${now.toISOString()}`);
  }
}

const at = (kind: string): Step => ({ kind, by: 0, seconds: 30, n: 0, flag: false });

/** Streams that mostly get going (checked in, started) and often end: refused commands alone would rarely get there. */
const STREAM = fc.record({
  started: fc.boolean(), steps: fc.array(STEP, { maxLength: 60 }), finished: fc.boolean(), late: fc.array(STEP, { maxLength: 5 }), autoConclude: fc.boolean(),
}).map((g) => ({ steps: [...(g.started ? [at('checkIn'), at('start')] : []), ...g.steps, ...(g.finished ? [at('finish')] : []), ...g.late], autoConclude: g.autoConclude }));

/** A valid stream: each generated command through the server's decider; the ones it refuses are skipped, as the API would. */
function generate(steps: readonly Step[], autoConclude: boolean): SessionEvent[] {
  const create = {
    type: 'CreateSession', data: { sessionId: 's1', name: 'Exam', student: 'student1', proctor: 'proctor1', durationMinutes: 60, metrics: ['b2', 'c2', 'c5', 'c6'], weights: { c2: 2 }, autoConclude },
    metadata: { now: new Date(T0), actor: admin, commandId: 'c0' },
  } as SessionCommand;
  let state = sessionDecider.initialState();
  const events: SessionEvent[] = [];
  let now = T0;
  for (const [i, step] of [null, ...steps].entries()) {
    let cmd = create;
    if (step) {
      now += step.seconds * 1000;
      const { type, data, actor } = command(step, i, new Date(now));
      cmd = { type, data, metadata: { now: new Date(now), actor, commandId: `c${i}` } } as SessionCommand;
    }
    try {
      const produced = sessionDecider.decide(cmd, state);
      for (const e of produced) state = sessionDecider.evolve(state, e);
      events.push(...produced);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return events;
}

/** The events as the API sends them: JSON, with the store's fields around each. */
const asSent = (events: readonly SessionEvent[]): ReplayEvent[] =>
  JSON.parse(JSON.stringify(events.map((e, i) => ({ id: `e${i}`, streamVersion: i, type: e.type, data: e.data, metadata: {}, recordedAt: new Date(T0 + i).toISOString(), prevHash: null, hash: '' }))));

describe('the replay\'s state at each step', () => {
  it('equals the server\'s fold of the stream up to that event, for any valid stream', () => {
    fc.assert(
      fc.property(STREAM, ({ steps, autoConclude }) => {
        const events = generate(steps, autoConclude);
        const replayed = foldStream(asSent(events));
        expect(replayed).toHaveLength(events.length);
        let server = sessionDecider.initialState();
        for (const [i, e] of events.entries()) {
          server = sessionDecider.evolve(server, e);
          expect(replayed[i]).toEqual(server);
        }
      }),
      { numRuns: 150, seed: 1717 },
    );
  });

  it('shows, once the session is scored, the very score the server computed when it ended', () => {
    fc.assert(
      fc.property(STREAM, ({ steps, autoConclude }) => {
        const events = asSent(generate(steps, autoConclude));
        const states = foldStream(events);
        for (const [i, e] of events.entries()) {
          if (e.type !== 'ScoreComputed') continue;
          expect(stepView(states[i], eventTime(e)).score).toBe((e.data as { score: number }).score);
        }
      }),
      { numRuns: 150, seed: 2024 },
    );
  });
});

describe('the state panel', () => {
  const events = asSent(generate([
    { kind: 'checkIn', by: 0, seconds: 10, n: 0, flag: false },
    { kind: 'start', by: 0, seconds: 10, n: 0, flag: false },
    { kind: 'join', by: 0, seconds: 10, n: 0, flag: false },
    { kind: 'incident', by: 0, seconds: 60, n: 0, flag: false },
    { kind: 'metrics', by: 0, seconds: 10, n: 0, flag: false },
    { kind: 'metrics', by: 0, seconds: 60, n: 41, flag: false },
  ], false));
  const states = foldStream(events);

  it('says who was watching, what was in force, the metrics and the score so far', () => {
    const last = events.length - 1;
    expect(stepView(states[last], eventTime(events[last]))).toEqual({
      status: 'in_progress', watching: ['proctor1'], incidents: ['incident message: test content blocked'], minutesRecorded: 2,
      metrics: [{ code: 'b2', average: 20.5 }, { code: 'c2', average: 79.5 }, { code: 'c5', average: 0 }, { code: 'c6', average: 0 }],
      score: expect.any(Number), recordedScore: null, conclusion: null,
    });
    expect(stepView(states[0], eventTime(events[0]))).toMatchObject({ status: 'scheduled', watching: [], incidents: [], score: null });
  });

  it('jumps to the last event at or before a time, among the events shown', () => {
    const all = events.map((_, i) => i);
    expect(stepAtTime(events, all, Date.parse(eventTime(events[3])) + 1)).toBe(3);
    expect(stepAtTime(events, all, T0 - 1)).toBe(0);
    expect(stepAtTime(events, [1, 4], Date.parse(eventTime(events[3])))).toBe(1);
  });
});
