import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { instant, optionalText, wholeNumber } from '../core/fields.js';
import { DEFAULT_CHECK_IN_BEFORE_MINUTES, MAX_CHECK_IN_MINUTES, PAST_START_GRACE_MS } from './check-in.js';
import type { CommandOf } from './commands.js';
import type { SessionEvent } from './events.js';
import { isMetricCode, METRIC_CODES, type MetricCode } from './metrics.js';
import { exists, type Existing, login, readable, text } from './rules.js';
import type { Session } from './state.js';
import { templateRef } from '../template/for-session.js';

/** Deciders that set a session up before it runs: creating it, giving it a proctor, booking its time, cancelling it. */

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const MAX_TAGS = 20;

export function createSession(command: CommandOf<'CreateSession'>, state: Session): SessionEvent[] {
  if (state.status !== 'none') throw new IllegalStateError(`session ${state.sessionId} already exists`);
  const { now, actor } = command.metadata;
  const d = command.data;
  if (!SESSION_ID.test(d.sessionId)) {
    throw new ValidationError(`session id ${JSON.stringify(d.sessionId)} must be 1–100 letters, digits or _ . : - and start with a letter or digit`);
  }
  if (!Number.isInteger(d.durationMinutes) || d.durationMinutes < 1 || d.durationMinutes > 24 * 60) {
    throw new ValidationError(`duration must be a whole number of minutes from 1 to 1440, not ${d.durationMinutes}`);
  }
  const metrics = metricList(d.metrics);
  const weights = weightList(d.weights);
  const threshold = d.threshold ?? 50;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) throw new ValidationError('threshold must be from 0 to 100');
  if (d.url != null && (d.url.length > 2000 || !/^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(d.url))) {
    throw new ValidationError(`url ${JSON.stringify(d.url.slice(0, 60))} is not an http(s) address of at most 2,000 characters`, { field: 'url' });
  }
  if ((d.tags ?? []).length > MAX_TAGS) throw new ValidationError(`at most ${MAX_TAGS} tags`, { field: 'tags' });
  const tags = (d.tags ?? []).map((t) => text(t, 'tag', 64));
  if (d.scheduledAt) startNotPassed(d.scheduledAt, now);
  const checkInBeforeMinutes = d.checkInBeforeMinutes == null ? DEFAULT_CHECK_IN_BEFORE_MINUTES : wholeNumber(d.checkInBeforeMinutes, 'check-in before the start (minutes)', 0, MAX_CHECK_IN_MINUTES);
  const checkInAfterMinutes = d.checkInAfterMinutes == null ? d.durationMinutes : wholeNumber(d.checkInAfterMinutes, 'check-in after the start (minutes)', 0, MAX_CHECK_IN_MINUTES);
  return [
    {
      type: 'SessionCreated',
      data: {
        sessionId: d.sessionId,
        name: text(d.name, 'session name', 300),
        student: login(d.student, 'test-taker'),
        studentName: optionalText(d.studentName, 'test-taker name', 200),
        proctor: d.proctor ? login(d.proctor, 'proctor') : null,
        durationMinutes: d.durationMinutes,
        scheduledAt: d.scheduledAt ? d.scheduledAt.toISOString() : null,
        metrics,
        weights,
        threshold,
        autoConclude: d.autoConclude ?? false,
        url: d.url ?? null,
        template: optionalText(d.template, 'template', 100),
        tags: [...new Set(tags)],
        secondCamera: d.secondCamera ?? false,
        ...(d.selfScheduling ? { selfScheduling: true } : {}),
        ...(d.scoreVisibleToStudent ? { scoreVisibleToStudent: true } : {}),
        checkInBeforeMinutes,
        checkInAfterMinutes,
        createdBy: actor.id,
        integrationId: d.integrationId ?? null,
        ...(d.fromTemplate ? { fromTemplate: templateRef(d.fromTemplate) } : {}),
        at: now.toISOString(),
      },
    },
  ];
}

function metricList(list: readonly string[] | undefined): MetricCode[] {
  if (list === undefined) return [...METRIC_CODES];
  const unknown = list.filter((c) => !isMetricCode(c));
  if (unknown.length) throw new ValidationError(`unknown metric ${unknown.join(', ')}; known: ${METRIC_CODES.join(' ')}`);
  return [...new Set(list as MetricCode[])];
}

function weightList(given: Partial<Record<MetricCode, number>> | undefined): Partial<Record<MetricCode, number>> {
  const weights: Partial<Record<MetricCode, number>> = {};
  for (const [code, weight] of Object.entries(given ?? {})) {
    if (!isMetricCode(code)) throw new ValidationError(`weight given for unknown metric ${code}`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
      throw new ValidationError(`weight of ${code} must be a number from 0 to 100`);
    }
    weights[code] = weight;
  }
  return weights;
}

function startNotPassed(scheduledAt: Date, now: Date): void {
  instant(scheduledAt, 'scheduled time');
  if (scheduledAt.getTime() < now.getTime() - PAST_START_GRACE_MS) {
    throw new ValidationError(
      `the start time ${scheduledAt.toISOString()} has passed (it is ${now.toISOString()} now); a start up to ${PAST_START_GRACE_MS / 60_000} minutes back is accepted, for clocks that differ`,
      { field: 'scheduledAt' },
    );
  }
}

export function assignProctor(command: CommandOf<'AssignProctor'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'assign a proctor');
  if (s.status === 'finished' || s.status === 'concluded' || s.status === 'cancelled') {
    throw new IllegalStateError(`cannot assign a proctor: the session is ${readable(s.status)}`);
  }
  onlyAdminChangesBooked(s, actor.role, 'change its proctor');
  const proctor = command.data.proctor === null ? null : login(command.data.proctor, 'proctor');
  if (proctor === s.proctor) return [];
  return [{ type: 'ProctorAssigned', data: { proctor, previous: s.proctor, by: actor.id, at: now.toISOString() } }];
}

/**
 * Whether `actor` may book the session at `scheduledAt` with `proctor` now: 'same' when it is booked so already (a
 * retry or a double click changes nothing, whoever asks), 'book' when it may be; otherwise throws why not. The API
 * asks this before it takes a seat on the proctor's schedule, so a refusal takes none.
 */
export function bookingVerdict(state: Session, actor: Actor, scheduledAt: Date, proctor: string, now: Date): 'same' | 'book' {
  const s = exists(state, 'book a time');
  if (!s.selfScheduling) throw new IllegalStateError('this session\'s time is set by its organisers, not booked by the test-taker');
  if (s.status !== 'scheduled') throw new IllegalStateError(`cannot book a time: the session is ${readable(s.status)}`);
  if (s.booking && Date.parse(s.booking.start) === scheduledAt.getTime() && s.booking.proctor.toLowerCase() === proctor.toLowerCase()) return 'same';
  if (s.booking && actor.role !== 'admin') throw new IllegalStateError(`the session is booked for ${s.booking.start} already; only an administrator can change it`);
  if (scheduledAt.getTime() <= now.getTime()) throw new ValidationError('the time booked has passed');
  return 'book';
}

export function bookTime(command: CommandOf<'BookTime'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'book a time');
  instant(command.data.scheduledAt, 'booked time');
  if (bookingVerdict(s, actor, command.data.scheduledAt, command.data.proctor, now) === 'same') return [];
  const proctor = login(command.data.proctor, 'proctor');
  return [{ type: 'SessionBooked', data: { scheduledAt: command.data.scheduledAt.toISOString(), proctor, previousProctor: s.proctor, by: actor.id, at: now.toISOString() } }];
}

/**
 * Moves the start of a session that has not started. A booked session's time is a seat on a proctor's calendar, so
 * it moves by booking another slot, not here; a self-scheduled one has no time of its organisers' to move.
 */
export function rescheduleSession(command: CommandOf<'RescheduleSession'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'reschedule the session');
  if (s.status !== 'scheduled' && s.status !== 'waiting') {
    throw new IllegalStateError(`cannot reschedule: the session is ${readable(s.status)}; only a session that has not started can be moved`);
  }
  if (s.selfScheduling) throw new IllegalStateError('the test-taker chooses this session\'s time: book another slot on the calendar instead');
  startNotPassed(command.data.scheduledAt, now);
  const scheduledAt = command.data.scheduledAt.toISOString();
  if (s.scheduledAt !== null && Date.parse(s.scheduledAt) === command.data.scheduledAt.getTime()) return [];
  return [{ type: 'SessionRescheduled', data: { scheduledAt, previous: s.scheduledAt, by: actor.id, at: now.toISOString() } }];
}

export function cancelSession(command: CommandOf<'CancelSession'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'cancel the session');
  onlyAdminChangesBooked(s, actor.role, 'cancel it');
  if (s.status !== 'scheduled' && s.status !== 'waiting') {
    throw new IllegalStateError(`cannot cancel: the session is ${readable(s.status)}; only a session that has not started can be cancelled`);
  }
  return [{ type: 'SessionCancelled', data: { reason: text(command.data.reason, 'reason', 1000), by: actor.id, at: now.toISOString() } }];
}

/** "Only the system administrator can change, cancel, or change proctors in already scheduled sessions." */
function onlyAdminChangesBooked(s: Existing, role: string, action: string): void {
  if (s.booking && role !== 'admin' && role !== 'system') throw new IllegalStateError(`the test-taker has booked this session: only an administrator can ${action}`);
}
