import type { Actor } from '../../domain/core/decider.js';
import type { MonitorRow } from '../../projections/monitor/row.js';
import { authorize, authorizeOn, can, type Caller, type Operation } from '../authorization.js';
import type { ApiContext } from '../context.js';
import type { Core } from '../../app/core/core.js';

/**
 * The session `id` if the caller may perform `operation` on it. A session the caller may not see is NOT_FOUND, as if
 * it did not exist; a caller who may not do that to any session learns nothing either (FORBIDDEN whatever the id).
 */
export async function readable(ctx: ApiContext, id: string, operation: Operation = 'session.read'): Promise<MonitorRow> {
  const row = await ctx.core.monitorRows.row(id);
  authorizeOn(ctx.actor, operation, id, row);
  return row!;
}

/**
 * `authorizeOn` for a command on session `id`, without reading its row when the session's fixed parties (test-taker,
 * creator) already allow it: a test-taker acting on their own session, an administrator. Those parties never change
 * and only widen what `can` allows, so a yes from them is the row's yes; anything else (a proctor, whose assignment
 * may change; a refusal, whose error must be exact) reads the row.
 */
export async function authorizedOn(core: Core, actor: Caller | null, id: string, operation: Operation): Promise<Actor> {
  const fixed = core.monitorRows.parties(id);
  if (fixed) {
    const parties = { ...fixed, proctor: null, committee: [] };
    if (can(actor, 'session.read', parties) && can(actor, operation, parties)) return authorize(actor, operation, parties);
  }
  return authorizeOn(actor, operation, id, await core.monitorRows.row(id));
}
