import { escapeHtml, htmlPage, isObject, json, mediaType, oauthError, parseJsonObject, type Reply, type Request } from './http.js';
import { isReply, type TokenEndpoint } from './token.js';
import type { AcsRecord, PreparedLaunch } from './types.js';
import { ACS_ACTIONS, CLAIM, MEDIA_TYPE, SCOPE, type AcsAction } from './vocabulary.js';

/** The Assessment Control Service (LTI Proctoring Services 1.0 §5): validates, records and answers a status. */
export class AssessmentControl {
  readonly requests: AcsRecord[] = [];
  /** The attempt status by `sub resource_link attempt`. */
  private readonly statuses = new Map<string, string>();

  constructor(
    private readonly issuer: string,
    private readonly tokens: TokenEndpoint,
    private readonly launches: () => readonly PreparedLaunch[],
  ) {}

  handle(req: Request): Reply {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'the ACS takes POST');
    const auth = this.tokens.authorize(req, [SCOPE.acs]);
    if (isReply(auth)) return auth;
    if (mediaType(req.headers['content-type']) !== MEDIA_TYPE.control) return oauthError(415, 'invalid_request', `Content-Type must be ${MEDIA_TYPE.control}`);
    const body = parseJsonObject(req.text);
    if (typeof body === 'string') return oauthError(400, 'invalid_request', body);
    const problem = controlProblem(body, this.issuer);
    if (problem) return this.refuse(body, 400, problem);
    const user = body.user as { sub: string };
    const link = body.resource_link as { id: string };
    const launch = this.launches().find(
      (l) => l.messageType === 'LtiStartProctoring' && l.registration.clientId === auth.clientId && l.issued?.claims.sub === user.sub &&
        (l.issued.claims[CLAIM.resourceLink] as { id?: string } | undefined)?.id === link.id && l.proctoring?.attemptNumber === body.attempt_number,
    );
    if (!launch) return this.refuse(body, 404, 'no proctored attempt with this user, resource link and attempt number');
    const key = `${user.sub} ${link.id} ${String(body.attempt_number)}`;
    const status = nextStatus(this.statuses.get(key) ?? 'running', body.action as AcsAction);
    this.statuses.set(key, status);
    this.requests.push({ body, status });
    const answer = body.action === 'update' ? { status, extra_time: body.extra_time } : { status };
    return json(200, answer, `ok: ${String(body.action)} → ${status}`, MEDIA_TYPE.control);
  }

  private refuse(body: Record<string, unknown>, status: number, reason: string): Reply {
    this.requests.push({ body, reason });
    return oauthError(status, 'invalid_request', reason);
  }
}

function nextStatus(current: string, action: AcsAction): string {
  switch (action) {
    case 'pause': return current === 'terminated' ? current : 'paused';
    case 'resume': return current === 'terminated' ? current : 'running';
    case 'terminate': return 'terminated';
    case 'update':
    case 'flag': return current;
    default: {
      const exhaustive: never = action;
      throw new Error(`unknown action ${String(exhaustive)}`);
    }
  }
}

function controlProblem(b: Record<string, unknown>, issuer: string): string | undefined {
  const user = b.user;
  if (!isObject(user) || typeof user.sub !== 'string' || !user.sub) return 'user.sub is required';
  if (user.iss !== issuer) return `user.iss must be the platform issuer ${issuer}`;
  if (!isObject(b.resource_link) || typeof b.resource_link.id !== 'string' || !b.resource_link.id) return 'resource_link.id is required';
  if (!Number.isInteger(b.attempt_number)) return 'attempt_number must be an integer';
  if (!ACS_ACTIONS.includes(b.action as AcsAction)) return `action must be one of ${ACS_ACTIONS.join(', ')}`;
  if (typeof b.incident_time !== 'string' || Number.isNaN(Date.parse(b.incident_time))) return 'incident_time must be an ISO 8601 date-time';
  if (typeof b.incident_severity !== 'number' || b.incident_severity < 0 || b.incident_severity > 1) return 'incident_severity must be a number from 0 to 1';
  if (b.action === 'update' && !(Number.isInteger(b.extra_time) && (b.extra_time as number) > 0)) return 'update needs a positive integer extra_time';
  if (b.reason_code !== undefined && typeof b.reason_code !== 'string') return 'reason_code must be a string';
  if (b.reason_msg !== undefined && typeof b.reason_msg !== 'string') return 'reason_msg must be a string';
  return undefined;
}

/** The platform's "assessment": what a learner sees once the proctoring tool let them start. */
export function assessmentPage(launch: PreparedLaunch, endAssessmentPageUrl: string | undefined): Reply {
  const end = endAssessmentPageUrl
    ? `<a id="submit-attempt" href="${escapeHtml(endAssessmentPageUrl)}">Submit attempt</a>`
    : '<p id="no-end-assessment">The tool did not ask for LtiEndAssessment.</p>';
  return htmlPage(200, 'Assessment', `<h1 id="assessment">Assessment started</h1><p>Attempt ${launch.proctoring?.attemptNumber}</p>${end}`, `ok: LtiStartAssessment for launch ${launch.id}`);
}
