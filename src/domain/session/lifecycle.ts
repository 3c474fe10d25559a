import { IllegalStateError, ValidationError } from '../core/errors.js';
import { clip, optionalText } from '../core/fields.js';
import { checkInWindow } from './check-in.js';
import type { CommandOf } from './commands.js';
import type { FinishedBy, SessionEvent } from './events.js';
import { elapsedMinutes, exists, faceViolation, live, MAX_TEXT, readable, text } from './rules.js';
import { computeScore } from './score.js';
import type { Session } from './state.js';
import { missingBeforeStart } from './steps.js';

/** Deciders that move a session through its exam: check-in, start, pause and resume, finish, conclusion. */

export function checkIn(command: CommandOf<'CheckIn'>, state: Session): SessionEvent[] {
  const { now } = command.metadata;
  const s = exists(state, 'check in');
  if (s.status !== 'scheduled' && s.status !== 'waiting' && s.status !== 'in_progress' && s.status !== 'paused') {
    throw new IllegalStateError(`cannot check in: the session is ${readable(s.status)}`);
  }
  if (s.selfScheduling && !s.booking) throw new IllegalStateError('choose a time for this session first');
  // The window guards the first check-in; a test-taker who checked in in time may reload the page later.
  const window = s.status === 'scheduled' ? checkInWindow(s.booking?.start ?? s.scheduledAt, s.checkInMinutes.before, s.checkInMinutes.after) : null;
  if (window) {
    const details = { opensAt: window.opensAt.toISOString(), closesAt: window.closesAt.toISOString() };
    if (now < window.opensAt) throw new IllegalStateError(`check-in opens at ${details.opensAt}`, details);
    if (now > window.closesAt) throw new IllegalStateError(`check-in closed at ${details.closesAt}`, details);
  }
  return [{ type: 'ParticipantCheckedIn', data: { userAgent: clip(command.data.userAgent, 500), browserSupported: command.data.browserSupported === true, at: now.toISOString() } }];
}

export function startSession(command: CommandOf<'StartSession'>, state: Session): SessionEvent[] {
  const { now } = command.metadata;
  const s = exists(state, 'start');
  if (s.status === 'in_progress' || s.status === 'paused') return []; // a retried start is harmless
  if (s.status === 'scheduled') throw new IllegalStateError('cannot start: the test-taker has not checked in');
  if (s.status !== 'waiting') throw new IllegalStateError(`cannot start: the session is ${readable(s.status)}`);
  const missing = missingBeforeStart(s);
  if (missing.length) throw new IllegalStateError(`cannot start yet: waiting for ${missing.join(' and ')}`, { missing });
  const deadline = new Date(now.getTime() + s.durationMinutes * 60_000).toISOString();
  return [{ type: 'SessionStarted', data: { at: now.toISOString(), deadline } }];
}

export function pauseSession(command: CommandOf<'PauseSession'>, state: Session): SessionEvent[] {
  const s = live(state, 'pause');
  if (s.status === 'paused') return [];
  return [{ type: 'SessionPaused', data: { by: command.metadata.actor.id, at: command.metadata.now.toISOString() } }];
}

export function resumeSession(command: CommandOf<'ResumeSession'>, state: Session): SessionEvent[] {
  const s = live(state, 'resume');
  if (s.status === 'in_progress') return [];
  return [{ type: 'SessionResumed', data: { by: command.metadata.actor.id, at: command.metadata.now.toISOString() } }];
}

export function finishSession(command: CommandOf<'FinishSession'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  const s = exists(state, 'finish');
  if (s.status === 'finished' || s.status === 'concluded') return []; // finishing twice (timer and test-taker racing) is not an error
  if (s.status !== 'in_progress' && s.status !== 'paused') throw new IllegalStateError(`cannot finish: the session is ${readable(s.status)}`);
  const d = command.data;
  let by: FinishedBy;
  if (d.timeout) {
    if (now.getTime() < Date.parse(s.deadline)) throw new IllegalStateError(`cannot finish on time-out before the deadline ${s.deadline}`);
    by = 'timeout';
  } else {
    by = actor.role === 'student' ? 'student' : actor.role === 'proctor' ? 'proctor' : actor.role === 'integrator' ? 'integrator' : 'admin';
  }
  if (d.conclusion) conclusionValue(d.conclusion);
  const comment = optionalText(d.comment, 'comment', MAX_TEXT, { multiline: true });
  if (d.conclusion && by === 'student') throw new ValidationError('a test-taker cannot give a conclusion');
  const messageToStudent = optionalText(d.messageToStudent, 'message to the test-taker', MAX_TEXT, { multiline: true });
  if (messageToStudent && !d.conclusion) throw new ValidationError('a message to the test-taker goes with a conclusion');
  const pausedAt = s.status === 'paused' ? s.pausedAt : undefined;
  const score = computeScore({
    metrics: s.metrics, weights: s.weights, minutes: s.minutes, sessionMinutes: elapsedMinutes(s, now, pausedAt), violatedMs: faceViolation(s, now),
  });
  const events: SessionEvent[] = [
    { type: 'SessionFinished', data: { by, actor: actor.id, at } },
    { type: 'ScoreComputed', data: { ...score, at } },
  ];
  if (d.conclusion) {
    events.push({ type: 'SessionConcluded', data: { conclusion: d.conclusion, comment, messageToStudent, by: actor.id, automatic: false, at } });
  } else if (s.autoConclude) {
    const conclusion = score.score < s.threshold ? 'negative' : 'positive';
    events.push({
      type: 'SessionConcluded',
      data: { conclusion, comment: `automatic: score ${score.score} against threshold ${s.threshold}`, messageToStudent: null, by: 'system', automatic: true, at },
    });
  }
  return events;
}

export function concludeSession(command: CommandOf<'ConcludeSession'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'conclude');
  if (s.committee) throw new IllegalStateError(s.committee === 'decided' ? 'the examination committee has decided: its conclusion is final' : 'an examination committee is reviewing this conclusion');
  if (s.status === 'concluded' && actor.role !== 'admin') throw new IllegalStateError('the session already has a conclusion; only an administrator can change it');
  if (s.status !== 'finished' && s.status !== 'concluded') throw new IllegalStateError(`cannot conclude: the session is ${readable(s.status)}`);
  conclusionValue(command.data.conclusion);
  const comment = command.data.comment?.trim() ? text(command.data.comment, 'comment') : null;
  const messageToStudent = optionalText(command.data.messageToStudent, 'message to the test-taker', MAX_TEXT, { multiline: true });
  return [{ type: 'SessionConcluded', data: { conclusion: command.data.conclusion, comment, messageToStudent, by: actor.id, automatic: false, at: now.toISOString() } }];
}

function conclusionValue(value: string): void {
  if (value !== 'positive' && value !== 'negative') throw new ValidationError(`conclusion ${JSON.stringify(value)} is neither positive nor negative`);
}
