import { getLtiPlatform } from '../../../projections/lti/projection.js';
import type { Core } from '../../core/core.js';
import { messageOf } from './ags.js';
import { callService, describeAnswer, jsonObject } from '../http.js';
import { callCommandId, type AcsJob } from './plan.js';
import { recordCall } from './record.js';
import { SCOPES, type ServiceTokens } from './token.js';

const CONTROL = 'application/vnd.ims.lti-ap.v1.control+json';

/**
 * One attempt at an Assessment Control request (LTI Proctoring Services 1.0 §5): the attempt is named by the user
 * (iss, sub), the resource link and the attempt number of the LtiStartProctoring launch. The status the platform
 * answers (`running`, `paused`, `terminated` …) is the recorded outcome.
 */
export async function controlAttempt(core: Core, tokens: ServiceTokens, sessionId: string, job: AcsJob, attempt: number, now: () => Date): Promise<void> {
  const url = job.link.proctoring!.acsUrl!;
  const record = (status: number | null, outcome: string, ok: boolean) =>
    recordCall(core, sessionId, { service: 'acs', action: job.action, url, attempt, status, outcome, ok }, { commandId: callCommandId(job, job.action, attempt), now: now() });
  const platform = await getLtiPlatform(core.db, job.link.platformId);
  if (!platform) return record(null, 'the platform is no longer registered', false);
  let token: string;
  try {
    token = await tokens.token(job.link.platformId, [SCOPES.control]);
  } catch (error) {
    return record(null, `no access token: ${messageOf(error)}`, false);
  }
  const body = {
    user: { iss: platform.issuer, sub: job.link.userId },
    resource_link: { id: job.link.resourceLinkId },
    attempt_number: job.link.proctoring!.attemptNumber,
    action: job.action,
    incident_time: job.incidentTime,
    incident_severity: job.severity,
    reason_code: job.reasonCode,
    reason_msg: job.reasonMsg,
  };
  try {
    const res = await callService(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': CONTROL, accept: CONTROL }, body: JSON.stringify(body) });
    if (res.status === 401) tokens.forget(job.link.platformId, [SCOPES.control]);
    const ok = res.status >= 200 && res.status < 300;
    const status = jsonObject(res.body)?.status;
    await record(res.status, ok ? (typeof status === 'string' ? status.slice(0, 100) : 'accepted without a status') : describeAnswer(res), ok);
  } catch (error) {
    await record(null, messageOf(error), false);
  }
}
