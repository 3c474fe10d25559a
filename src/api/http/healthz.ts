import type { Core } from '../../app/core/core.js';
import { sendJson, type RouteRequest } from './route.js';

/**
 * GET /healthz: 200 while every read model applies events; 503 naming each one that failed (and where), or saying the
 * store cannot be read: a load balancer or an operator sees the trouble, and writes go on regardless.
 */
export function health(core: Core) {
  return async ({ res }: RouteRequest): Promise<void> => {
    const stalled = core.runner.stalledBy;
    let failed: Array<{ name: string; eventId: string; eventType: string; streamId: string; checkpoint: string; error: string }> = [];
    try {
      failed = (await core.runner.status()).flatMap((s) => (s.failure ? [{ name: s.name, ...s.failure }] : []));
    } catch (error) {
      return sendJson(res, 503, { ok: false, error: `the read-model database cannot be read: ${(error as Error).message}` });
    }
    if (!stalled && failed.length === 0) return sendJson(res, 200, { ok: true });
    const problems = [
      ...failed.map((f) => `projection ${f.name} failed at event ${f.eventId} (${f.eventType}): ${f.error}`),
      ...(stalled ? [`read models cannot apply events: ${(stalled as Error).message ?? String(stalled)}`] : []),
    ];
    sendJson(res, 503, { ok: false, failed, problems }, { 'cache-control': 'no-store' });
  };
}
