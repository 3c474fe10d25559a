import { describe, expect, it } from 'vitest';
import type { LtiLink, SessionEvent } from '../../../domain/session/events.js';
import type { Recorded } from '../../../store/event-store.js';
import { callCommandId, openJobs, type ServiceJob } from './plan.js';
import { SCOPES } from './token.js';

const link: LtiLink = {
  platformId: 'p1', deploymentId: 'd1', userId: 'u1', resourceLinkId: 'rl-1', contextId: 'c1', lineItemsUrl: 'https://lms.test/c1/lineitems', lineItemUrl: null,
  agsScopes: [SCOPES.lineItem, SCOPES.score], membershipsUrl: null,
  proctoring: { attemptNumber: 1, startAssessmentUrl: 'https://lms.test/start', sessionData: 's', acsUrl: 'https://lms.test/acs', acsActions: ['pause', 'resume', 'terminate', 'flag'], settings: null },
};
const at = '2026-01-01T10:00:00.000Z';
let n = 0;

function ev(type: SessionEvent['type'], data: Record<string, unknown>, actor = 'proctor1', role = 'proctor', commandId?: string): Recorded<SessionEvent> {
  n += 1;
  return { id: `e${n}`, streamId: 'session-s1', streamVersion: n, type, data: { at, ...data }, metadata: { actor, role, commandId }, recordedAt: new Date(at), position: n, checkpoint: String(n), prevHash: null, hash: '', seal: null } as unknown as Recorded<SessionEvent>;
}
const launched = () => ev('LtiLaunched', { messageType: 'LtiStartProctoring', link }, 'lti:p1', 'integrator');
const call = (job: ServiceJob, action: string, attempt: number, status: number | null, ok: boolean) =>
  ev('LtiServiceCalled', { service: job.service, action, url: 'https://lms.test/x', attempt, status, outcome: '', ok }, 'system', 'system', callCommandId(job, action, attempt));

describe('what a session owes its LMS', () => {
  it('asks for nothing before the launch linked the session', () => {
    expect(openJobs([ev('SessionPaused', { by: 'proctor1' }), launched()])).toEqual([]);
  });

  it('maps a proctor\'s pause, resume and finish to pause, resume and terminate, and ignores what the LMS did itself', () => {
    const events = [launched(), ev('SessionPaused', { by: 'proctor1' }), ev('SessionResumed', { by: 'proctor1' }), ev('SessionPaused', { by: 'lti:p1' }, 'lti:p1', 'integrator'), ev('SessionFinished', { by: 'proctor', actor: 'proctor1' })];
    expect(openJobs(events).map((j) => (j.job.service === 'acs' ? j.job.action : j.job.service))).toEqual(['pause', 'resume', 'terminate']);
  });

  it('terminates the attempt when the time ran out on our clock, without blame, and sends nothing for the test-taker\'s own finish', () => {
    const timedOut = [launched(), ev('SessionFinished', { by: 'timeout', actor: 'system' }, 'system', 'system')];
    expect(openJobs(timedOut).map((j) => j.job)).toEqual([expect.objectContaining({ action: 'terminate', severity: 0, reasonCode: 'time_expired' })]);
    expect(openJobs([launched(), ev('SessionFinished', { by: 'student', actor: 'student1' }, 'student1', 'student')])).toEqual([]);
  });

  it('sends nothing once the LMS ended the attempt', () => {
    const events = [launched(), ev('LtiAssessmentEnded', { errorMessage: null, errorLog: null }, 'lti:p1', 'integrator'), ev('SessionFinished', { by: 'integrator', actor: 'lti:p1' }, 'lti:p1', 'integrator')];
    expect(openJobs(events)).toEqual([]);
  });

  it('flags an incident when the platform offers flag but not pause', () => {
    const only = ev('LtiLaunched', { messageType: 'LtiStartProctoring', link: { ...link, proctoring: { ...link.proctoring!, acsActions: ['flag'] } } }, 'lti:p1', 'integrator');
    const events = [only, ev('MessageSent', { messageId: 'm1', text: 'Phone on the desk', incident: true }), ev('ContentBlocked', { messageId: 'm1', by: 'proctor1' })];
    expect(openJobs(events).map((j) => j.job)).toEqual([expect.objectContaining({ action: 'flag', reasonCode: 'incident', reasonMsg: 'Phone on the desk' })]);
  });

  it('publishes only the latest conclusion, with the latest score', () => {
    const events = [launched(), ev('ScoreComputed', { score: 70 }), ev('SessionConcluded', { conclusion: 'positive', comment: null }), ev('SessionConcluded', { conclusion: 'negative', comment: 'again' }, 'admin', 'admin')];
    expect(openJobs(events).map((j) => j.job)).toEqual([expect.objectContaining({ service: 'ags', conclusion: 'negative', comment: 'again', score: 70 })]);
  });

  it('keeps a job open after a 5xx, closes it on success or on a refusal a retry cannot mend', () => {
    const base = [launched(), ev('SessionConcluded', { conclusion: 'positive', comment: null })];
    const [open] = openJobs(base);
    const failed = [...base, call(open.job, 'lineitem', 1, 201, true), call(open.job, 'score', 1, 500, false)];
    expect(openJobs(failed)).toEqual([expect.objectContaining({ attempts: 1, lastAttemptAt: at })]);
    expect(openJobs([...failed, call(open.job, 'score', 2, 204, true)])).toEqual([]);
    expect(openJobs([...failed, call(open.job, 'score', 2, 400, false)])).toEqual([]);
  });
});
