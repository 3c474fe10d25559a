/**
 * Session state benchmark: `npm run bench:state`. What it costs to rebuild a long session's state from its events (a
 * command whose session is not in the node's cache) and to add one more event to it (every command), for exams of one
 * to eight hours with camera and screen recorded in 10-second segments, each analysed, and a metrics event a minute.
 * Baselines in the same run: the bare loop over the events (the floor), and the segments kept as a plain object
 * copied on each event, as the state kept them before. Medians of 9 runs (the first ones warm the JIT up).
 * Then the same for a proctor's calendar: slots opened 200 at a time, 30 seats each, every seat booked.
 */
import { evolveSchedule, initialSchedule, type Schedule, type ScheduleEvent } from '../src/domain/schedule/schedule.js';
import { evolveSession, initialSession, type Session } from '../src/domain/session/state.js';
import type { SecondFindings, SessionEvent } from '../src/domain/session/events.js';

const HOURS = (process.env.BENCH_HOURS ?? '1,4,8').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const START = Date.parse('2026-12-01T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function sessionEvents(hours: number): SessionEvent[] {
  const events: SessionEvent[] = [
    {
      type: 'SessionCreated',
      data: {
        sessionId: 's1', name: 'Long exam', student: 'student1', studentName: null, proctor: 'proctor1', durationMinutes: hours * 60, scheduledAt: null,
        metrics: ['b1', 'c1', 'c2', 'c3', 'c4', 'm1', 'm2', 's1', 's2'], weights: {}, threshold: 50, autoConclude: false, url: null, template: null,
        tags: [], secondCamera: false, createdBy: 'admin', integrationId: null, at: iso(START - 60_000),
      },
    } as SessionEvent,
    { type: 'SessionStarted', data: { at: iso(START), deadline: iso(START + hours * 3_600_000) } },
  ];
  const second: SecondFindings = { faces: 1, dark: false, frozen: false, distance: 0.3, stranger: false, db: -40, loud: false };
  for (let i = 0; i < hours * 360; i++) {
    const at = START + i * 10_000;
    if (i % 6 === 0) events.push({ type: 'MetricsRecorded', data: { minute: i / 6, values: { b1: 0, c1: 0, c2: 0, c3: 0, c4: 0, m1: 0, m2: 0, s1: 0, s2: 0 }, at: iso(at + 60_000) } } as SessionEvent);
    for (const track of ['camera', 'screen'] as const) {
      const seq = 29_000_000 + i * 10;
      events.push({ type: 'RecordingSegmentStored', data: { track, seq, start: iso(at), durationMs: 10_000, size: 120_000, sha256: seq.toString(16).padStart(64, '0'), at: iso(at + 10_000) } });
      events.push({ type: 'RecordingAnalysed', data: { track, seq, start: iso(at), seconds: Array.from({ length: 10 }, () => second), skipped: null, at: iso(at + 12_000) } });
    }
  }
  return events;
}

function fold(events: readonly SessionEvent[]): Session {
  let state = initialSession();
  for (const e of events) state = evolveSession(state, e);
  return state;
}

/** The old way, for comparison: each segment copies a plain object of all the segments before it. */
function foldPlainObject(events: readonly SessionEvent[]): number {
  let segments: Record<string, string> = {};
  for (const e of events) if (e.type === 'RecordingSegmentStored') segments = { ...segments, [`${e.data.track}:${e.data.seq}`]: e.data.sha256 };
  return Object.keys(segments).length;
}

function time<T>(f: () => T): [number, T] {
  const t = performance.now();
  const r = f();
  return [performance.now() - t, r];
}

console.log('hours  events  fold ms  bare loop ms  one more segment µs  plain-object segments only, fold ms');
for (const hours of HOURS) {
  const events = sessionEvents(hours);
  const folds: number[] = [];
  const loops: number[] = [];
  const adds: number[] = [];
  let state = initialSession();
  for (let r = 0; r < RUNS; r++) {
    const [ms, s] = time(() => fold(events));
    folds.push(ms);
    state = s;
    loops.push(time(() => events.reduce((n, e) => n + (e.type === 'RecordingSegmentStored' ? 1 : 0), 0))[0]);
    // A hundred more on top of it, one after another, as commands add them.
    adds.push(time(() => {
      let s: Session = state;
      for (let k = 0; k < 100; k++) s = evolveSession(s, { type: 'RecordingSegmentStored', data: { track: 'camera', seq: k + 1, start: iso(START), durationMs: 10_000, size: 1, sha256: 'f'.repeat(64), at: iso(START) } });
    })[0] * 10);
  }
  // Two hours of the old way already take seconds: it runs once, and only up to four hours.
  const plain = hours <= 4 ? time(() => foldPlainObject(events))[0].toFixed(0) : 'skipped';
  if (state.status === 'none' || state.segments.size !== hours * 720) throw new Error('the fold lost segments');
  console.log([String(hours).padStart(5), String(events.length).padStart(6), median(folds).toFixed(1).padStart(7), median(loops).toFixed(2).padStart(12), median(adds).toFixed(1).padStart(19), plain.padStart(36)].join('  '));
}

function calendarEvents(slots: number): ScheduleEvent[] {
  const events: ScheduleEvent[] = [];
  const start = (i: number) => iso(START + i * 3_600_000);
  for (let i = 0; i < slots; i += 200) {
    const batch = Array.from({ length: Math.min(200, slots - i) }, (_, k) => ({ start: start(i + k), end: iso(START + (i + k) * 3_600_000 + 3_000_000) }));
    events.push({ type: 'SlotsOpened', data: { proctor: 'proctor1', slots: batch, seats: 30, by: 'admin', at: iso(START) } });
  }
  for (let seat = 0; seat < 30; seat++) for (let i = 0; i < slots; i++) events.push({ type: 'SlotBooked', data: { start: start(i), sessionId: `s-${i}-${seat}`, by: 'student', at: iso(START) } });
  return events;
}

/** The old way: each booking copies a plain object of every slot. */
function foldCalendarPlainObject(events: readonly ScheduleEvent[]): number {
  let slots: Record<string, { sessions: string[] }> = {};
  for (const e of events) {
    if (e.type === 'SlotsOpened') for (const s of e.data.slots) slots = { ...slots, [s.start]: { sessions: [] } };
    if (e.type === 'SlotBooked') slots = { ...slots, [e.data.start]: { sessions: [...slots[e.data.start].sessions, e.data.sessionId] } };
  }
  return Object.keys(slots).length;
}

console.log('\ncalendar slots  events  fold ms  one more booking µs  plain-object slots, fold ms');
for (const slots of (process.env.BENCH_SLOTS ?? '200,1000').split(',').map(Number)) {
  const events = calendarEvents(slots);
  const folds: number[] = [];
  const adds: number[] = [];
  let state: Schedule = initialSchedule();
  for (let r = 0; r < RUNS; r++) {
    const [ms, s] = time(() => events.reduce(evolveSchedule, initialSchedule()));
    folds.push(ms);
    state = s;
    adds.push(time(() => {
      let s: Schedule = state;
      for (let k = 0; k < 100; k++) s = evolveSchedule(s, { type: 'SlotBooked', data: { start: iso(START + k * 3_600_000), sessionId: `more-${k}`, by: 'student', at: iso(START) } });
    })[0] * 10);
  }
  if (state.slots.size !== slots || state.slots.get(iso(START))?.sessions.length !== 30) throw new Error('the fold lost bookings');
  const plain = slots <= 200 ? time(() => foldCalendarPlainObject(events))[0].toFixed(0) : 'skipped';
  console.log([String(slots).padStart(14), String(events.length).padStart(6), median(folds).toFixed(1).padStart(7), median(adds).toFixed(1).padStart(19), plain.padStart(27)].join('  '));
}
