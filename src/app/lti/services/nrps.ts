import { IllegalStateError } from '../../../domain/core/errors.js';
import { getLtiSessionLink } from '../../../projections/lti/session-links.js';
import type { Core } from '../../core/core.js';
import { messageOf } from './ags.js';
import { callService, describeAnswer, jsonObject } from '../http.js';
import { recordCall } from './record.js';
import { SCOPES, type ServiceTokens } from './token.js';

const MEMBERSHIPS = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
/** A course of a few thousand members fits; larger rosters would need NRPS paging (Link rel="next"), not followed. */
const MAX_ROSTER_BYTES = 2 * 1024 * 1024;

/** A member of the session's course as the LMS lists it (NRPS 2.0). */
export interface CourseMember {
  readonly userId: string;
  readonly name: string | null;
  readonly email: string | null;
  /** LIS role URIs as the platform sent them. */
  readonly roles: readonly string[];
  /** Active, Inactive or Deleted. */
  readonly status: string;
}

/**
 * The members of the course the session was launched from, read from the platform's Names and Role Provisioning
 * Service for the proctor's view. Each call is recorded on the session; a refusal says what the platform answered.
 */
export async function courseMembers(core: Core, tokens: ServiceTokens, sessionId: string): Promise<CourseMember[]> {
  const row = await getLtiSessionLink(core.db, sessionId);
  const url = row?.link.membershipsUrl;
  if (!row || !url) throw new IllegalStateError('this session was not launched from an LMS course that lists its members');
  const record = (status: number | null, outcome: string, ok: boolean) =>
    recordCall(core, sessionId, { service: 'nrps', action: 'members', url, attempt: 1, status, outcome, ok });
  let failure: string;
  try {
    const token = await tokens.token(row.platformId, [SCOPES.memberships]);
    const res = await callService(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: MEMBERSHIPS } }, { timeoutMs: 10_000, maxBytes: MAX_ROSTER_BYTES });
    if (res.status === 401) tokens.forget(row.platformId, [SCOPES.memberships]);
    const members = res.status === 200 ? jsonObject(res.body)?.members : undefined;
    if (Array.isArray(members)) {
      const list = members.map(memberOf).filter((m): m is CourseMember => m !== null);
      await record(res.status, `${list.length} members`, true);
      return list;
    }
    failure = res.status === 200 ? 'the answer has no member list' : describeAnswer(res);
    await record(res.status, failure, false);
  } catch (error) {
    failure = messageOf(error);
    await record(null, failure, false);
  }
  throw new IllegalStateError(`the LMS did not list the course members: ${failure}`);
}

function memberOf(m: unknown): CourseMember | null {
  if (typeof m !== 'object' || m === null) return null;
  const o = m as Record<string, unknown>;
  if (typeof o.user_id !== 'string' || !o.user_id) return null;
  const str = (v: unknown, max: number) => (typeof v === 'string' && v.trim() ? v.slice(0, max) : null);
  const name = str(o.name, 200) ?? ([str(o.given_name, 100), str(o.family_name, 100)].filter(Boolean).join(' ') || null);
  return {
    userId: o.user_id.slice(0, 255),
    name,
    email: str(o.email, 320),
    roles: Array.isArray(o.roles) ? o.roles.filter((r): r is string => typeof r === 'string').slice(0, 20) : [],
    status: str(o.status, 20) ?? 'Active',
  };
}
