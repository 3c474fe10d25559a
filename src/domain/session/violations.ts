import { IllegalStateError, ValidationError } from '../core/errors.js';
import { clip } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import type { SessionEvent } from './events.js';
import { isMetricCode, type MetricCode, type MetricValues } from './metrics.js';
import { elapsedMinutes, exists, faceViolation, live, readable } from './rules.js';
import { computeScore } from './score.js';
import { contradictions } from './analysis.js';
import type { Session } from './state.js';

/** Deciders about what the participant's browser measures: per-minute metric values and discrete violations. */

export function recordMetrics(command: CommandOf<'RecordMetrics'>, state: Session): SessionEvent[] {
  const at = command.metadata.now.toISOString();
  const s = exists(state, 'record metrics');
  const ended = s.status === 'finished' || s.status === 'concluded';
  if (s.status !== 'in_progress' && s.status !== 'paused' && !ended) throw new IllegalStateError(`cannot record metrics: the session is ${readable(s.status)}`);
  const { minute, values } = command.data;
  if (!Number.isInteger(minute) || minute < 0 || minute > s.durationMinutes * 2 + 60) {
    throw new ValidationError(`minute ${minute} is outside the session`);
  }
  const clean = metricValues(values, s.metrics);
  const stored = s.minutes[minute];
  if (stored) {
    const same = Object.keys(clean).length === Object.keys(stored).length && Object.entries(clean).every(([k, v]) => stored[k as MetricCode] === v);
    if (same) return [];
    throw new IllegalStateError(`minute ${minute} is already recorded with other values`);
  }
  const recorded: SessionEvent = { type: 'MetricsRecorded', data: { minute, values: clean, at } };
  const raised = contradictions({ ...s, minutes: { ...s.minutes, [minute]: clean } }, [minute], at);
  if (!ended) return [recorded, ...raised];
  // A minute that arrives after the end (the last partial minute, or one queued while offline) still counts, if
  // it lies within the session; the score is computed again with it.
  const sessionMinutes = elapsedMinutes(s, new Date(s.finishedAt));
  if (minute >= sessionMinutes) throw new IllegalStateError(`minute ${minute} is after the end of the session (${sessionMinutes} minutes)`);
  const minutes = { ...s.minutes, [minute]: clean };
  const contradicted = [...s.contradicted, ...raised.flatMap((e) => (e.type === 'ClientReportContradicted' ? [`${e.data.minute}:${e.data.code}`] : []))];
  const score = computeScore({ metrics: s.metrics, weights: s.weights, minutes, sessionMinutes, violatedMs: faceViolation({ ...s, contradicted }, new Date(s.finishedAt)) });
  return [recorded, ...raised, { type: 'ScoreComputed', data: { ...score, at } }];
}

/** The values of the session's own metrics, each a share of the minute from 0 to 100. */
function metricValues(values: MetricValues, used: readonly MetricCode[]): Partial<Record<MetricCode, number>> {
  const clean: Partial<Record<MetricCode, number>> = {};
  for (const [code, value] of Object.entries(values)) {
    if (!isMetricCode(code)) throw new ValidationError(`unknown metric ${code}`);
    if (code === 't1') throw new ValidationError('metric t1 is decided by the server from the recording, not reported');
    if (!used.includes(code)) throw new ValidationError(`metric ${code} is not used by this session`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
      throw new ValidationError(`value of ${code} must be from 0 to 100, not ${value}`);
    }
    clean[code] = value;
  }
  return clean;
}

export function recordViolation(command: CommandOf<'RecordViolation'>, state: Session): SessionEvent[] {
  const s = live(state, 'record a violation');
  if (!isMetricCode(command.data.code)) throw new ValidationError(`unknown metric ${command.data.code}`);
  if (command.data.code === 't1') throw new ValidationError('metric t1 is decided by the server from the recording, not reported');
  if (!s.metrics.includes(command.data.code)) throw new ValidationError(`metric ${command.data.code} is not used by this session`);
  return [{ type: 'ViolationDetected', data: { code: command.data.code, detail: command.data.detail == null ? null : clip(command.data.detail, 1000), at: command.metadata.now.toISOString() } }];
}
