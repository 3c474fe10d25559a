import { json, mediaType, oauthError, parseJsonObject, type Reply, type Request } from './http.js';
import { isReply, type TokenEndpoint } from './token.js';
import type { LineItem, NrpsMember, ScoreRecord } from './types.js';
import { MEDIA_TYPE, SCOPE } from './vocabulary.js';

const ACTIVITY = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const GRADING = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];

/** AGS 2.0 line items and scores, and NRPS 2.0 memberships, kept in memory for assertions. */
export class GradesAndRoster {
  readonly lineItems: LineItem[] = [];
  readonly scores: ScoreRecord[] = [];
  members: NrpsMember[] = [];
  /** Score posts still to answer 500. */
  failScores = 0;

  constructor(
    private readonly issuer: string,
    private readonly tokens: TokenEndpoint,
  ) {}

  lineItemsUrl(contextId: string): string {
    return `${this.issuer}/contexts/${encodeURIComponent(contextId)}/lineitems`;
  }

  membershipsUrl(contextId: string): string {
    return `${this.issuer}/contexts/${encodeURIComponent(contextId)}/memberships`;
  }

  /** Answers `/contexts/<id>/…`, or undefined when the path is not one of ours. */
  handle(req: Request, contextId: string, rest: string[]): Reply | undefined {
    if (rest[0] === 'memberships' && rest.length === 1) return this.memberships(req, contextId);
    if (rest[0] !== 'lineitems') return undefined;
    if (rest.length === 1) return req.method === 'POST' ? this.createLineItem(req, contextId) : this.listLineItems(req, contextId);
    const item = this.lineItems.find((li) => li.id === `${this.lineItemsUrl(contextId)}/${rest[1]}`);
    if (!item) return oauthError(404, 'not_found', 'no such line item');
    if (rest.length === 2 && req.method === 'GET') return this.getLineItem(req, item);
    if (rest.length === 3 && rest[2] === 'scores' && req.method === 'POST') return this.postScore(req, item);
    return undefined;
  }

  private listLineItems(req: Request, contextId: string): Reply {
    const auth = this.tokens.authorize(req, [SCOPE.lineItem, SCOPE.lineItemReadonly]);
    if (isReply(auth)) return auth;
    const q = req.url.searchParams;
    const items = this.lineItems.filter(
      (li) => li.contextId === contextId &&
        (!q.has('resource_link_id') || li.resourceLinkId === q.get('resource_link_id')) &&
        (!q.has('tag') || li.tag === q.get('tag')) &&
        (!q.has('resource_id') || li.resourceId === q.get('resource_id')),
    );
    return json(200, items.map(publicLineItem), `ok: ${items.length} line items`, MEDIA_TYPE.lineItemContainer);
  }

  private getLineItem(req: Request, item: LineItem): Reply {
    const auth = this.tokens.authorize(req, [SCOPE.lineItem, SCOPE.lineItemReadonly]);
    if (isReply(auth)) return auth;
    return json(200, publicLineItem(item), `ok: line item ${item.id}`, MEDIA_TYPE.lineItem);
  }

  private createLineItem(req: Request, contextId: string): Reply {
    const auth = this.tokens.authorize(req, [SCOPE.lineItem]);
    if (isReply(auth)) return auth;
    if (mediaType(req.headers['content-type']) !== MEDIA_TYPE.lineItem) return oauthError(415, 'invalid_request', `Content-Type must be ${MEDIA_TYPE.lineItem}`);
    const body = parseJsonObject(req.text);
    if (typeof body === 'string') return oauthError(400, 'invalid_request', body);
    if (typeof body.label !== 'string' || !body.label.trim()) return oauthError(400, 'invalid_request', 'label is required');
    if (typeof body.scoreMaximum !== 'number' || !(body.scoreMaximum > 0)) return oauthError(400, 'invalid_request', 'scoreMaximum must be a number above 0');
    for (const k of ['resourceLinkId', 'resourceId', 'tag', 'startDateTime', 'endDateTime']) {
      if (body[k] !== undefined && typeof body[k] !== 'string') return oauthError(400, 'invalid_request', `${k} must be a string`);
    }
    const item: LineItem = {
      id: `${this.lineItemsUrl(contextId)}/${this.lineItems.length + 1}`,
      contextId,
      label: body.label,
      scoreMaximum: body.scoreMaximum,
      ...pickStrings(body, ['resourceLinkId', 'resourceId', 'tag', 'startDateTime', 'endDateTime']),
    };
    this.lineItems.push(item);
    return json(201, publicLineItem(item), `ok: created line item ${item.id}`, MEDIA_TYPE.lineItem);
  }

  private postScore(req: Request, item: LineItem): Reply {
    const auth = this.tokens.authorize(req, [SCOPE.score]);
    if (isReply(auth)) return auth;
    if (mediaType(req.headers['content-type']) !== MEDIA_TYPE.score) return oauthError(415, 'invalid_request', `Content-Type must be ${MEDIA_TYPE.score}`);
    if (this.failScores > 0) {
      this.failScores -= 1;
      return oauthError(500, 'server_error', 'failing score post on purpose');
    }
    const body = parseJsonObject(req.text);
    if (typeof body === 'string') return oauthError(400, 'invalid_request', body);
    const problem = scoreProblem(body);
    if (problem) return oauthError(400, 'invalid_request', problem);
    this.scores.push({ lineItemId: item.id, score: body });
    return { status: 204, decision: `ok: score for ${String(body.userId)} on ${item.id}` };
  }

  private memberships(req: Request, contextId: string): Reply {
    const auth = this.tokens.authorize(req, [SCOPE.nrps]);
    if (isReply(auth)) return auth;
    const role = req.url.searchParams.get('role');
    const members = this.members
      .filter((m) => !role || m.roles.some((r) => r === role || r.endsWith(`#${role}`)))
      .map((m) => ({ status: 'Active', ...m }));
    const body = { id: `${this.membershipsUrl(contextId)}${req.url.search}`, context: { id: contextId }, members };
    return json(200, body, `ok: ${members.length} members`, MEDIA_TYPE.membershipContainer);
  }
}

function scoreProblem(s: Record<string, unknown>): string | undefined {
  if (typeof s.userId !== 'string' || !s.userId) return 'userId is required';
  if (typeof s.timestamp !== 'string' || Number.isNaN(Date.parse(s.timestamp))) return 'timestamp must be an ISO 8601 date-time';
  if (!ACTIVITY.includes(s.activityProgress as string)) return `activityProgress must be one of ${ACTIVITY.join(', ')}`;
  if (!GRADING.includes(s.gradingProgress as string)) return `gradingProgress must be one of ${GRADING.join(', ')}`;
  if (s.scoreGiven !== undefined) {
    if (typeof s.scoreGiven !== 'number' || s.scoreGiven < 0) return 'scoreGiven must be a number at least 0';
    if (typeof s.scoreMaximum !== 'number' || !(s.scoreMaximum > 0)) return 'scoreMaximum must be given above 0 with scoreGiven';
  }
  if (s.comment !== undefined && typeof s.comment !== 'string') return 'comment must be a string';
  return undefined;
}

function publicLineItem(li: LineItem): Record<string, unknown> {
  const { contextId: _context, ...rest } = li;
  return rest;
}

function pickStrings(o: Record<string, unknown>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => typeof o[k] === 'string').map((k) => [k, o[k] as string]));
}
