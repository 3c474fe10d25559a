import { SYSTEM_ACTOR } from '../../../domain/core/decider.js';
import type { LtiService } from '../../../domain/session/events.js';
import type { Core } from '../../core/core.js';

/** One call to a platform's service as the session's stream keeps it (no token, no body: the URL and what came of it). */
export interface ServiceCallRecord {
  readonly service: LtiService;
  readonly action: string;
  readonly url: string;
  readonly attempt: number;
  readonly status: number | null;
  readonly outcome: string;
  readonly ok: boolean;
}

/**
 * Records a call on the session (`RecordLtiServiceCall`). A `commandId` derived from the job and attempt makes a
 * second node's record of the same attempt a no-op; without one (a query's call) every call is its own record.
 */
export async function recordCall(core: Core, sessionId: string, call: ServiceCallRecord, options: { commandId?: string; now?: Date } = {}): Promise<void> {
  await core.session(sessionId, 'RecordLtiServiceCall', call, SYSTEM_ACTOR, options);
}
