import { METRIC_DESCRIPTIONS } from '../../../domain/session/metrics.js';
import type { LtiLink, SessionEvent } from '../../../domain/session/events.js';
import type { Recorded } from '../../../store/event-store.js';
import { SCOPES } from './token.js';

/**
 * What a session still owes its LMS, worked out from the session's stream alone, so any node (and a node just
 * restarted) reaches the same answer. Each call is recorded as `LtiServiceCalled` under a command id naming the event
 * that caused it and the attempt (`lti-call:<job>:<action>:<attempt>`): a job is open until one of its calls succeeded,
 * failed in a way a retry cannot mend (a 4xx), or used up its attempts.
 *
 * The Assessment Control Service (LTI Proctoring Services 1.0 §5) mapping, for a launch that offered `acs`:
 * - `SessionPaused` by a proctor or administrator → `pause` (severity 0.5); `SessionResumed` → `resume` (0);
 * - the proctor's incident message (`ContentBlocked`: the test content is blocked) → `pause` with the message as
 *   `reason_msg` and `reason_code` `incident` (0.7), or `flag` when the platform offers no `pause`; unblocking →
 *   `resume`;
 * - `ViolationDetected` → `flag` with the metric's code as `reason_code` and its description (and detail) (0.8);
 * - `SessionFinished` by a proctor or administrator → `terminate` (1); by the clock (the time ran out) → `terminate`
 *   with `reason_code` `time_expired` (0); the test-taker's own finish sends nothing (the LMS ends its attempt itself).
 * Only actions in the launch's `acs.actions` are sent. Nothing is sent for what the platform did itself (actor
 * `lti:…`) nor after it ended the attempt (`LtiAssessmentEnded`): no echo loops.
 *
 * AGS (2.0): the latest `SessionConcluded` is published as a score on the separate "Proctoring" line item; a later
 * conclusion (an administrator changing it) makes a new job and supersedes an unfinished earlier one.
 */

export const MAX_ATTEMPTS = 8;

export interface AgsJob {
  readonly service: 'ags';
  readonly key: string;
  readonly link: LtiLink;
  readonly conclusion: string;
  readonly comment: string | null;
  readonly score: number | null;
  readonly at: string;
}

export interface AcsJob {
  readonly service: 'acs';
  readonly key: string;
  readonly link: LtiLink;
  readonly action: 'pause' | 'resume' | 'terminate' | 'flag';
  readonly incidentTime: string;
  readonly severity: number;
  readonly reasonCode: string;
  readonly reasonMsg: string;
}

export type ServiceJob = AgsJob | AcsJob;

/** An open job, how many attempts it has had and when the last one was. */
export interface OpenJob {
  readonly job: ServiceJob;
  readonly attempts: number;
  readonly lastAttemptAt: string | null;
}

export const callCommandId = (job: ServiceJob, action: string, attempt: number) => `lti-call:${job.key}:${action}:${attempt}`;

/** Whether a failed call may succeed if tried again: no answer, the platform's own failure, or too many requests. */
export const retryable = (status: number | null) => status === null || status >= 500 || status === 429 || status === 401;

type Event = Recorded<SessionEvent>;

/** Every job of the session not finished yet, oldest first. */
export function openJobs(events: readonly Event[]): OpenJob[] {
  const jobs = collectJobs(events);
  const calls = new Map<string, { attempts: number; lastAt: string | null; done: boolean }>();
  for (const e of events) {
    if (e.type !== 'LtiServiceCalled') continue;
    const m = /^lti-call:(.+):([a-z]+):(\d+)$/.exec(String(e.metadata.commandId ?? ''));
    if (!m) continue;
    const job = jobs.find((j) => j.key === m[1]);
    if (!job) continue;
    const c = calls.get(job.key) ?? { attempts: 0, lastAt: null, done: false };
    const final = job.service === 'ags' ? e.data.action === 'score' : true;
    const done = c.done || (e.data.ok && final) || (!e.data.ok && !retryable(e.data.status));
    calls.set(job.key, { attempts: Math.max(c.attempts, Number(m[3])), lastAt: e.data.at, done });
  }
  return jobs
    .map((job) => ({ job, attempts: calls.get(job.key)?.attempts ?? 0, lastAttemptAt: calls.get(job.key)?.lastAt ?? null, done: calls.get(job.key)?.done ?? false }))
    .filter((j) => !j.done && j.attempts < MAX_ATTEMPTS)
    .map(({ done: _done, ...open }) => open);
}

/** Every job the stream calls for, done or not. */
export function collectJobs(events: readonly Event[]): ServiceJob[] {
  let link: LtiLink | null = null;
  let ended = false;
  let ags: AgsJob | null = null;
  let score: number | null = null;
  const acs: AcsJob[] = [];
  const incidents = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'LtiLaunched') link = e.data.link;
    if (e.type === 'LtiAssessmentEnded') ended = true;
    if (e.type === 'ScoreComputed') score = e.data.score;
    if (e.type === 'MessageSent' && e.data.incident) incidents.set(e.data.messageId, e.data.text);
    if (!link) continue;
    if (e.type === 'SessionConcluded' && publishesGrades(link)) {
      ags = { service: 'ags', key: `ags-${e.id}`, link, conclusion: e.data.conclusion, comment: e.data.comment, score, at: e.data.at };
    }
    const control = !ended && !String(e.metadata.actor ?? '').startsWith('lti:') ? controlFor(e, link, incidents) : null;
    if (control) acs.push(control);
  }
  // The score may be computed again after the conclusion (a late minute): the latest one is published.
  const jobs: ServiceJob[] = [...acs];
  if (ags) jobs.push({ ...ags, score });
  return jobs;
}

/** AGS needs the line items container and the right to create line items and post scores there. */
export function publishesGrades(link: LtiLink): boolean {
  return link.lineItemsUrl !== null && link.agsScopes.includes(SCOPES.score) && link.agsScopes.includes(SCOPES.lineItem);
}

function controlFor(e: Event, link: LtiLink, incidents: ReadonlyMap<string, string>): AcsJob | null {
  const offered = link.proctoring?.acsUrl ? link.proctoring.acsActions : [];
  const job = (action: AcsJob['action'], at: string, severity: number, reasonCode: string, reasonMsg: string): AcsJob | null =>
    offered.includes(action) ? { service: 'acs', key: `acs-${e.id}`, link, action, incidentTime: at, severity, reasonCode, reasonMsg } : null;
  const staff = e.metadata.role === 'proctor' || e.metadata.role === 'admin';
  // Only a few event types concern the platform: ifs on them, not a switch over the whole union.
  if (e.type === 'SessionPaused') return staff ? job('pause', e.data.at, 0.5, 'proctor_pause', 'the proctor paused the exam') : null;
  if (e.type === 'SessionResumed') return staff ? job('resume', e.data.at, 0, 'proctor_resume', 'the proctor resumed the exam') : null;
  if (e.type === 'SessionFinished') {
    const by = e.data.by;
    // The exam's time ran out on our clock: the attempt must end in the LMS too, though no one did anything wrong.
    if (by === 'timeout') return job('terminate', e.data.at, 0, 'time_expired', 'the time allowed for the exam ran out');
    return by === 'proctor' || by === 'admin' ? job('terminate', e.data.at, 1, `${by}_terminate`, `the ${by === 'admin' ? 'administrator' : 'proctor'} ended the exam`) : null;
  }
  if (e.type === 'ContentBlocked') {
    const text = incidents.get(e.data.messageId) ?? 'incident reported by the proctor';
    return job('pause', e.data.at, 0.7, 'incident', text) ?? job('flag', e.data.at, 0.7, 'incident', text);
  }
  if (e.type === 'ContentUnblocked') return job('resume', e.data.at, 0, 'incident_resolved', 'the proctor unblocked the exam');
  if (e.type === 'ViolationDetected') {
    const description = METRIC_DESCRIPTIONS[e.data.code];
    return job('flag', e.data.at, 0.8, e.data.code, e.data.detail ? `${description}: ${e.data.detail}` : description);
  }
  return null;
}
