import type { SessionEvent } from '../../../../src/domain/session/events.js';
import { replayStates, scoreAt } from '../../../../src/domain/session/replay.js';
import type { Session } from '../../../../src/domain/session/state.js';

/**
 * The replay's model: the stream as the API sent it, folded by the server's own `evolveSession` (imported from
 * src/domain, bundled into the client: no copy of the rules lives here), and what the state panel shows of each step.
 */

/** An event as `openReplay` answers it. */
export interface ReplayEvent {
  streamId?: string;
  id: string;
  streamVersion: number;
  type: string;
  data: unknown;
  /** The data as stored and hashed when it holds sealed personal fields (`data` has them opened). */
  storedData?: unknown;
  metadata: unknown;
  recordedAt: string;
  prevHash: string | null;
  hash: string;
}

/** What the state panel shows after one event. */
export interface StepView {
  status: string;
  /** Proctors watching at that moment. */
  watching: string[];
  /** What was in force: an incident message blocking the test, a face mismatch, a call. */
  incidents: string[];
  /** Metrics so far: minutes recorded and each metric's average share of those minutes (0–100). */
  minutesRecorded: number;
  metrics: { code: string; average: number }[];
  /** The score had the session ended then (null before the start); `recordedScore` is the one the server stored. */
  score: number | null;
  recordedScore: number | null;
  conclusion: string | null;
}

/** When the event happened in the session's time: its `data.at` if it has one, else when it was stored. */
export function eventTime(e: ReplayEvent): string {
  const at = (e.data as { at?: unknown } | null)?.at;
  return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : e.recordedAt;
}

/** Every step's state, folded once (a stream is thousands of events at most). */
export function foldStream(events: readonly ReplayEvent[]): Session[] {
  return replayStates(events.map((e) => ({ type: e.type, data: e.data }) as SessionEvent));
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The panel's view of `state` as it stood at `at`. */
export function stepView(state: Session, at: string): StepView {
  if (state.status === 'none') {
    return { status: 'none', watching: [], incidents: [], minutesRecorded: 0, metrics: [], score: null, recordedScore: null, conclusion: null };
  }
  const incidents: string[] = [];
  if (state.blocked) incidents.push('incident message: test content blocked');
  if (state.faceSpans.c5.some((s) => s.to === null)) incidents.push('face check: similar profile (c5)');
  if (state.faceSpans.c6.some((s) => s.to === null)) incidents.push('face check: no match (c6)');
  if (state.call) incidents.push(state.call.video ? 'video call in progress' : 'audio call in progress');
  const minutes = Object.values(state.minutes);
  const metrics = state.metrics.map((code) => ({
    code,
    average: minutes.length ? round1(minutes.reduce((sum, m) => sum + (m[code] ?? 0), 0) / minutes.length) : 0,
  }));
  const finished = state.status === 'finished' || state.status === 'concluded';
  return {
    status: state.status,
    watching: [...state.proctorsPresent],
    incidents,
    minutesRecorded: minutes.length,
    metrics,
    score: scoreAt(state, new Date(at))?.score ?? null,
    recordedScore: finished ? state.score : null,
    conclusion: state.status === 'concluded' ? state.conclusion : null,
  };
}

/** Index of the last event at or before `at` among `indices` (the filtered ones), or the first of them. */
export function stepAtTime(events: readonly ReplayEvent[], indices: readonly number[], at: number): number | null {
  let found: number | null = null;
  for (const i of indices) {
    if (Date.parse(eventTime(events[i])) <= at) found = i;
    else break;
  }
  return found ?? indices[0] ?? null;
}
