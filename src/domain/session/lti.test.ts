import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import type { SessionCommand } from './commands.js';
import { sessionDecider } from './decide.js';
import type { LtiLink, SessionEvent } from './events.js';

const T0 = new Date('2026-11-30T09:00:00.000Z');
const lms: Actor = { id: 'lti:p-1', role: 'integrator' };
const spec = specFor(sessionDecider);
let n = 0;
const cmd = <T extends SessionCommand['type']>(type: T, data: Extract<SessionCommand, { type: T }>['data']): SessionCommand =>
  ({ type, data, metadata: { now: T0, actor: lms, commandId: `c${++n}` } }) as SessionCommand;

const created: SessionEvent = {
  type: 'SessionCreated',
  data: {
    sessionId: 's1', name: 'Quiz 1', student: 'lti-1', studentName: 'Ann Lee', proctor: null, durationMinutes: 60, scheduledAt: null, metrics: ['b2'],
    weights: {}, threshold: 70, autoConclude: false, url: null, template: null, tags: [], secondCamera: false, createdBy: 'lti:p-1', integrationId: null, at: T0.toISOString(),
  },
};
const link: LtiLink = {
  platformId: 'p-1', deploymentId: 'dep-1', userId: 'user-42', resourceLinkId: 'rl-1', contextId: 'course-7',
  lineItemsUrl: 'https://lms.example.edu/ags/lineitems', lineItemUrl: null, agsScopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'],
  membershipsUrl: 'https://lms.example.edu/nrps', proctoring: {
    attemptNumber: 1, startAssessmentUrl: 'https://lms.example.edu/lti-ap/start', sessionData: 'opaque "data" ✓', acsUrl: 'https://lms.example.edu/acs',
    acsActions: ['pause', 'resume', 'terminate', 'flag'], settings: null,
  },
};
const launched: SessionEvent = { type: 'LtiLaunched', data: { messageType: 'LtiStartProctoring', link, at: T0.toISOString() } };

describe('a session launched from an LMS by LTI', () => {
  it('records the launch with everything later messages need, the opaque session data exactly as sent', () => {
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link })).then([launched]);
  });
  it('refuses a launch of an unknown message type, a bad URL, an attempt number that is not a whole number, overlong session data', () => {
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiSubmissionReview', link })).thenThrows(ValidationError, /message type/);
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiResourceLinkRequest', link: { ...link, lineItemsUrl: 'ftp://x' } })).thenThrows(ValidationError, /http or https/);
    const proctoring = link.proctoring!;
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: { ...link, proctoring: { ...proctoring, attemptNumber: 1.5 } } })).thenThrows(ValidationError, /attempt number/);
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: { ...link, proctoring: { ...proctoring, sessionData: 'x'.repeat(8001) } } })).thenThrows(ValidationError, /session_data/);
    spec([]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link })).thenThrows(IllegalStateError, /does not exist/);
  });
  it('keeps the course\'s return URL when the launch gave one, and refuses one that is not http(s)', () => {
    const back = { ...link, returnUrl: 'https://lms.example.edu/course/7?tab=quiz' };
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: back }))
      .then([{ type: 'LtiLaunched', data: { messageType: 'LtiStartProctoring', link: back, at: T0.toISOString() } }]);
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: { ...link, returnUrl: null } })).then([launched]);
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: { ...link, returnUrl: 'javascript:alert(1)' } })).thenThrows(ValidationError, /return_url/);
  });
  it('keeps the resource_link claim as sent, to echo it, and refuses one that is not an object with the link\'s id', () => {
    const claim = JSON.stringify({ id: 'rl-1', title: 'Examen « final »', description: 'ß' });
    spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: { ...link, resourceLinkClaim: claim } }))
      .then([{ type: 'LtiLaunched', data: { messageType: 'LtiStartProctoring', link: { ...link, resourceLinkClaim: claim }, at: T0.toISOString() } }]);
    for (const bad of ['{"id":"rl-2"}', '["rl-1"]', 'not json']) {
      spec([created]).when(cmd('RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: { ...link, resourceLinkClaim: bad } })).thenThrows(ValidationError, /resource_link claim/);
    }
  });
  it('records messages sent back, the end of the assessment and service calls, only for a launched session', () => {
    spec([created, launched]).when(cmd('RecordLtiMessage', { messageType: 'LtiStartAssessment', url: 'https://lms.example.edu/lti-ap/start' }))
      .then([{ type: 'LtiMessageSent', data: { messageType: 'LtiStartAssessment', url: 'https://lms.example.edu/lti-ap/start', at: T0.toISOString() } }]);
    spec([created]).when(cmd('RecordLtiMessage', { messageType: 'LtiStartAssessment', url: 'https://lms.example.edu/x' })).thenThrows(ValidationError, /LTI launch/);
    spec([created, launched]).when(cmd('EndLtiAssessment', { errorMessage: 'quiz\u0000crashed', errorLog: 'y'.repeat(5000) }))
      .then([{ type: 'LtiAssessmentEnded', data: { errorMessage: 'quiz crashed', errorLog: 'y'.repeat(4000), at: T0.toISOString() } }]);
    const call = { service: 'acs' as const, action: 'pause', url: 'https://lms.example.edu/acs', attempt: 1, status: 200, outcome: 'paused', ok: true };
    spec([created, launched]).when(cmd('RecordLtiServiceCall', call)).then([{ type: 'LtiServiceCalled', data: { ...call, at: T0.toISOString() } }]);
    spec([created, launched]).when(cmd('RecordLtiServiceCall', { ...call, status: 99 })).thenThrows(ValidationError, /HTTP status/);
    spec([created, launched]).when(cmd('RecordLtiServiceCall', { ...call, service: 'lis' as never })).thenThrows(ValidationError, /service/);
  });
});
