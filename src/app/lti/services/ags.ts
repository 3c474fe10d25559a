import type { Core } from '../../core/core.js';
import { callService, describeAnswer, jsonObject, ServiceCallError } from '../http.js';
import { callCommandId, type AgsJob } from './plan.js';
import { recordCall } from './record.js';
import { SCOPES, type ServiceTokens } from './token.js';

const LINE_ITEM = 'application/vnd.ims.lis.v2.lineitem+json';
const LINE_ITEM_CONTAINER = 'application/vnd.ims.lis.v2.lineitemcontainer+json';
const SCORE = 'application/vnd.ims.lis.v1.score+json';
const AGS_SCOPES = [SCOPES.lineItem, SCOPES.score];
/** The tag that marks our line item in the platform's gradebook, beside the exam's own. */
export const PROCTORING_TAG = 'proctoring';

/**
 * One attempt at publishing a conclusion (AGS 2.0): finds the session's "Proctoring" line item in the container by
 * resource link and tag, creates it when absent, and posts the score: the credibility score out of 100, the
 * conclusion and its comment, Completed and FullyGraded. Each call that changes something or fails is recorded with
 * this attempt's number; a lookup that finds the item is a read and is not.
 */
export async function publishAttempt(core: Core, tokens: ServiceTokens, sessionId: string, job: AgsJob, attempt: number, now: () => Date): Promise<void> {
  const record = (action: string, url: string, status: number | null, outcome: string, ok: boolean) =>
    recordCall(core, sessionId, { service: 'ags', action, url, attempt, status, outcome, ok }, { commandId: callCommandId(job, action, attempt), now: now() });
  const container = job.link.lineItemsUrl!;
  let token: string;
  try {
    token = await tokens.token(job.link.platformId, AGS_SCOPES);
  } catch (error) {
    return record('lineitem', container, null, `no access token: ${messageOf(error)}`, false);
  }
  const lineItem = await findOrCreateLineItem(container, token, job);
  if ('failure' in lineItem) {
    if (lineItem.status === 401) tokens.forget(job.link.platformId, AGS_SCOPES);
    return record('lineitem', lineItem.url, lineItem.status, lineItem.failure, false);
  }
  if (lineItem.created !== null) await record('lineitem', container, lineItem.created, `created the line item ${lineItem.id}`, true);
  const scores = scoresUrl(lineItem.id);
  try {
    const res = await callService(scores, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': SCORE }, body: JSON.stringify(scoreBody(job)) });
    if (res.status === 401) tokens.forget(job.link.platformId, AGS_SCOPES);
    const ok = res.status >= 200 && res.status < 300;
    await record('score', scores, res.status, ok ? `score ${job.score ?? 'none'} accepted` : describeAnswer(res), ok);
  } catch (error) {
    await record('score', scores, null, messageOf(error), false);
  }
}

type LineItemResult = { id: string; created: number | null } | { failure: string; status: number | null; url: string };

async function findOrCreateLineItem(container: string, token: string, job: AgsJob): Promise<LineItemResult> {
  const query = new URL(container);
  query.searchParams.set('resource_link_id', job.link.resourceLinkId);
  query.searchParams.set('tag', PROCTORING_TAG);
  try {
    const found = await callService(query.toString(), { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: LINE_ITEM_CONTAINER } });
    if (found.status !== 200) return { failure: `could not list the line items: ${describeAnswer(found)}`, status: found.status, url: query.toString() };
    const items: unknown = JSON.parse(found.body);
    const ours = Array.isArray(items)
      ? items.find((i: Record<string, unknown>) => i?.tag === PROCTORING_TAG && i?.resourceLinkId === job.link.resourceLinkId && typeof i?.id === 'string')
      : undefined;
    if (ours) return { id: ours.id as string, created: null };
    const body = { label: 'Proctoring', scoreMaximum: 100, tag: PROCTORING_TAG, resourceLinkId: job.link.resourceLinkId };
    const made = await callService(container, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': LINE_ITEM, accept: LINE_ITEM }, body: JSON.stringify(body) });
    const id = jsonObject(made.body)?.id;
    if ((made.status !== 200 && made.status !== 201) || typeof id !== 'string') {
      return { failure: `could not create the line item: ${made.status < 300 ? 'no id in its answer' : describeAnswer(made)}`, status: made.status, url: container };
    }
    return { id, created: made.status };
  } catch (error) {
    return { failure: messageOf(error), status: null, url: query.toString() };
  }
}

/** AGS: the scores endpoint is the line item URL with `/scores` added to its path (its query kept). */
function scoresUrl(lineItem: string): string {
  const u = new URL(lineItem);
  u.pathname = `${u.pathname.replace(/\/$/, '')}/scores`;
  return u.toString();
}

function scoreBody(job: AgsJob): Record<string, unknown> {
  return {
    userId: job.link.userId,
    ...(job.score === null ? {} : { scoreGiven: job.score, scoreMaximum: 100 }),
    comment: `Conclusion: ${job.conclusion}${job.comment ? `. ${job.comment}` : ''}`,
    timestamp: job.at,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
  };
}

export function messageOf(error: unknown): string {
  if (error instanceof ServiceCallError) return error.message;
  if (error instanceof SyntaxError) return 'the answer is not JSON';
  return error instanceof Error ? error.message : String(error);
}
