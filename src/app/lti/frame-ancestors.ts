import { LTI_PLATFORM_EVENT_TYPES } from '../../domain/lti/platform.js';
import { listLtiPlatforms } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';

/** How often a node reads the platforms again, beside the events it sees (a missed event heals within this). */
export const FRAME_ANCESTORS_REFRESH_MS = 60_000;

const TYPES: ReadonlySet<string> = new Set(LTI_PLATFORM_EVENT_TYPES);

/**
 * The origins of the registered platforms (their issuer and authorization URL), which may show our pages in an iframe.
 * Read from the read model when a platform event is applied and every minute, so the Content-Security-Policy of each
 * page is built without a query.
 */
export class LtiFrameAncestors {
  private current: readonly string[] = [];
  private refreshing: Promise<void> | null = null;
  private again = false;
  private readonly off: () => void;
  private readonly timer: NodeJS.Timeout;
  /** Settles once the first read is done (pages served before it would lack the platforms). */
  readonly ready: Promise<void>;

  constructor(private readonly core: Core) {
    this.off = core.runner.onApplied(({ events }) => {
      if (events.some((e) => TYPES.has(e.type))) void this.refresh().catch(() => {});
    });
    this.timer = setInterval(() => void this.refresh().catch(() => {}), FRAME_ANCESTORS_REFRESH_MS);
    this.timer.unref();
    this.ready = this.refresh().catch(() => {});
  }

  /** The origins now, sorted. */
  origins(): readonly string[] {
    return this.current;
  }

  /** Reads the platforms again; a call during a read runs once more after it, so the newest change is never missed. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        this.current = originsOf(await listLtiPlatforms(this.core.db));
      } while (this.again);
    })().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Stops listening and reading (the server closes). */
  stop(): void {
    this.off();
    clearInterval(this.timer);
    if (caches.get(this.core.runner) === this) caches.delete(this.core.runner);
  }
}

function originsOf(platforms: ReadonlyArray<{ issuer: string; authUrl: string; removed: boolean }>): string[] {
  const origins = new Set<string>();
  for (const p of platforms) {
    if (p.removed) continue;
    for (const url of [p.issuer, p.authUrl]) {
      const origin = originOf(url);
      if (origin) origins.add(origin);
    }
  }
  return [...origins].sort();
}

/** An http(s) origin as CSP takes it; nothing for what is not one (a CSP source must not smuggle in `;` or spaces). */
function originOf(url: string): string | null {
  try {
    const { protocol, origin } = new URL(url);
    return (protocol === 'https:' || protocol === 'http:') && /^[A-Za-z0-9.:/[\]-]+$/.test(origin) ? origin : null;
  } catch {
    return null;
  }
}

// Keyed by the runner: a core scoped to a client's command id (`Core.scoped`) is another object over the same runner.
const caches = new WeakMap<Core['runner'], LtiFrameAncestors>();

/** This node's cache of platform origins for `core`, started on first use. */
export function ltiFrameAncestors(core: Core): LtiFrameAncestors {
  let cache = caches.get(core.runner);
  if (!cache) caches.set(core.runner, (cache = new LtiFrameAncestors(core)));
  return cache;
}

/** Reads the platforms again now (after a registry command, so its answer and the next page agree). */
export async function refreshFrameAncestors(core: Core): Promise<void> {
  await ltiFrameAncestors(core).refresh();
}
