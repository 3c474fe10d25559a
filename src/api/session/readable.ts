import { NotFoundError } from '../../domain/core/errors.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import type { MonitorRow } from '../../projections/monitor/row.js';
import { authorize, type Operation } from '../authorization.js';
import type { ApiContext } from '../context.js';

/**
 * The session `id` if the caller may perform `operation` on it. A caller who may not do that to any session learns
 * nothing, not even whether the id is free (FORBIDDEN before NOT_FOUND).
 */
export async function readable(ctx: ApiContext, id: string, operation: Operation = 'session.read'): Promise<MonitorRow> {
  const row = await getMonitorRow(ctx.core.db, id);
  if (!row) {
    authorize(ctx.actor, operation);
    throw new NotFoundError(`no session ${id}`);
  }
  authorize(ctx.actor, operation, row);
  return row;
}
