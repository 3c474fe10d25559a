import { IllegalStateError, ValidationError } from '../core/errors.js';
import { clip, wholeNumber } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import type { CheckedCode, SecondFindings, SessionEvent } from './events.js';
import { elapsedMinutes, exists, faceViolation } from './rules.js';
import { computeScore } from './score.js';
import type { Session, SessionFacts } from './state.js';
import { recordingAnalysed } from './server-tally.js';

/**
 * The server's analysis of the recordings, and t1: where what the recording shows for a minute and what the
 * test-taker's browser reported for it differ, the browser's report is not to be trusted for that minute.
 */

/** Seconds of one minute the server must have seen before its share is compared (a 10 s segment is enough). */
export const MIN_COMPARED_SECONDS = 10;
/** Points (of 100) by which the server's share and the client's must differ to be a contradiction. */
export const CONTRADICTION_POINTS = 50;
/** The longest segment is 10 minutes: one finding per second. */
const MAX_SECONDS = 600;
const CHECKED: readonly CheckedCode[] = ['c2', 'c3', 'c4', 'm2'];

type Existing = Exclude<Session, { status: 'none' }>;
type Analysed = Extract<SessionEvent, { type: 'RecordingAnalysed' }>['data'];

export function recordAnalysis(command: CommandOf<'RecordAnalysis'>, state: Session): SessionEvent[] {
  const at = command.metadata.now.toISOString();
  const s = exists(state, 'record an analysis');
  const { track, seq } = command.data;
  wholeNumber(seq, 'segment number', 0, Number.MAX_SAFE_INTEGER);
  const key = `${track}:${seq}`;
  const start = s.segments.get(key)?.start;
  if (!start) throw new IllegalStateError(`no segment ${seq} of ${track} to analyse`);
  if (s.analysed.has(key)) return [];
  const seconds = findings(command.data.seconds);
  const skipped = command.data.skipped == null ? null : clip(command.data.skipped, 200);
  const analysed: SessionEvent = { type: 'RecordingAnalysed', data: { track, seq, start, seconds, skipped, at } };
  const after = recordingAnalysed(s, analysed.data);
  const raised = contradictions(after, minutesOf(s, analysed.data), at);
  return [analysed, ...raised, ...rescored(after, raised)];
}

/**
 * t1 for each of `minutes` that both sides have measured and where they differ by `CONTRADICTION_POINTS` or more, once
 * per minute and metric, for the metrics the session uses (and only if it uses t1).
 */
export function contradictions(s: SessionFacts, minutes: readonly number[], at: string): SessionEvent[] {
  if (!s.metrics.includes('t1')) return [];
  const raised: SessionEvent[] = [];
  for (const minute of minutes) {
    const tally = s.serverMinutes[minute];
    const client = s.minutes[minute];
    if (!tally || !client) continue;
    for (const code of CHECKED) {
      if (!s.metrics.includes(code) || s.contradicted.includes(`${minute}:${code}`)) continue;
      const seen = code === 'm2' ? tally.audio : code === 'c4' ? tally.identified : tally.frames;
      if (seen < MIN_COMPARED_SECONDS) continue;
      const server = Math.round((tally.hits[code] / seen) * 1000) / 10;
      const reported = client[code] ?? 0;
      if (Math.abs(server - reported) >= CONTRADICTION_POINTS) {
        raised.push({ type: 'ClientReportContradicted', data: { minute, code, server, client: reported, seconds: seen, at } });
      }
    }
  }
  return raised;
}

/** A t1 raised after the end changes the score: it is computed again, as a late minute of metrics does. */
export function rescored(s: Existing, raised: readonly SessionEvent[]): SessionEvent[] {
  if (raised.length === 0 || (s.status !== 'finished' && s.status !== 'concluded')) return [];
  const end = new Date(s.finishedAt);
  const at = raised[0].type === 'ClientReportContradicted' ? raised[0].data.at : end.toISOString();
  const contradicted = [...s.contradicted, ...raised.flatMap((e) => (e.type === 'ClientReportContradicted' ? [`${e.data.minute}:${e.data.code}`] : []))];
  const facts = { ...s, contradicted };
  const score = computeScore({ metrics: s.metrics, weights: s.weights, minutes: s.minutes, sessionMinutes: elapsedMinutes(s, end), violatedMs: faceViolation(facts, end) });
  return [{ type: 'ScoreComputed', data: { ...score, at } }];
}

function minutesOf(s: SessionFacts, d: Analysed): number[] {
  if (!s.startedAt) return [];
  const first = Math.floor((Date.parse(d.start) - Date.parse(s.startedAt)) / 60_000);
  const last = Math.floor((Date.parse(d.start) + Math.max(0, d.seconds.length - 1) * 1000 - Date.parse(s.startedAt)) / 60_000);
  const out: number[] = [];
  for (let m = Math.max(0, first); m <= last; m++) out.push(m);
  return out;
}

/** The findings as the read models can hold them: bounded counts, distances and levels, nothing else. */
function findings(seconds: readonly SecondFindings[]): SecondFindings[] {
  if (!Array.isArray(seconds) || seconds.length > MAX_SECONDS) throw new ValidationError(`an analysis holds at most ${MAX_SECONDS} seconds`);
  return seconds.map((f, i) => {
    const what = `second ${i}`;
    if (f.faces !== null) wholeNumber(f.faces, `${what}: faces`, 0, 100);
    if (f.distance !== null && !(Number.isFinite(f.distance) && f.distance >= 0 && f.distance <= 10)) throw new ValidationError(`${what}: a face distance is from 0 to 10`);
    if (f.db !== null && !(Number.isFinite(f.db) && f.db >= -200 && f.db <= 0)) throw new ValidationError(`${what}: a sound level is from -200 to 0 dBFS`);
    for (const flag of ['stranger', 'dark', 'frozen', 'loud'] as const) {
      if (typeof f[flag] !== 'boolean') throw new ValidationError(`${what}: ${flag} is true or false`);
    }
    return { faces: f.faces, distance: f.distance === null ? null : Math.round(f.distance * 1000) / 1000, stranger: f.stranger, dark: f.dark, frozen: f.frozen, db: f.db === null ? null : Math.round(f.db * 10) / 10, loud: f.loud };
  });
}
