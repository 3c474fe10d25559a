import { getMonitorRow } from '../../projections/monitor/queries.js';
import type { MonitorRow } from '../../projections/monitor/row.js';
import { authorizeOn, type Operation } from '../authorization.js';
import type { ApiContext } from '../context.js';

/**
 * The session `id` if the caller may perform `operation` on it. A session the caller may not see is NOT_FOUND, as if
 * it did not exist; a caller who may not do that to any session learns nothing either (FORBIDDEN whatever the id).
 */
export async function readable(ctx: ApiContext, id: string, operation: Operation = 'session.read'): Promise<MonitorRow> {
  const row = await getMonitorRow(ctx.core.db, id);
  authorizeOn(ctx.actor, operation, id, row);
  return row!;
}
