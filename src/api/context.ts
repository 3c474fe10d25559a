import type { Config } from '../config.js';
import type { Core } from '../app/core/core.js';
import type { Actor } from '../domain/core/decider.js';
import type { ActorResolver, RequestActor } from './auth/actors.js';
import type { TokenActor, TokenService } from './auth/tokens.js';
import type { RateLimiter } from './limits.js';
import type { Signalling } from '../media/signalling.js';
import type { JanusEngine } from '../media/janus/engine.js';
import type { BlobStore } from '../media/blob-store.js';

/** What every resolver gets: the system, who is asking, and from where. */
export interface ApiContext {
  readonly core: Core;
  readonly config: Config;
  readonly tokens: TokenService;
  readonly loginLimiter: RateLimiter;
  /** Failed sign-ins per address, whatever the username (slows password spraying). */
  readonly failedLogins: RateLimiter;
  readonly actor: (Actor & Partial<Pick<TokenActor, 'expiresAt' | 'device' | 'sessionId' | 'version' | 'jti'>>) | null;
  /** False once the caller's account was disabled or its password changed (checked at each subscription delivery). */
  readonly stillSignedIn?: () => boolean;
  readonly ip: string;
  /** Signalling for p2p media and calls; the Janus engine when MEDIA=janus; the (sealed) blob store, for erasure. */
  readonly media: { readonly signals: Signalling; readonly janus?: JanusEngine | null; readonly blobs?: BlobStore };
  /**
   * Set when this execution serves a shared subscription group (see `sharedSubscriptions`): when its latest member
   * joined (`performance.now()`), so a source can tell what every member has already been sent.
   */
  readonly sharedGroup?: { readonly lastJoinAt: number };
}

/** What every context holds besides the caller: built once per server. */
export type ApiServices = Pick<ApiContext, 'core' | 'config' | 'tokens' | 'loginLimiter' | 'failedLogins' | 'media'>;

/**
 * Builds the context of a caller (from HTTP or a socket): the services, who and from where, and whether the cache of
 * `actors` still admits a signed-in caller.
 */
export function contextFor(services: ApiServices, actors: ActorResolver) {
  return (actor: ApiContext['actor'], ip: string): ApiContext => ({
    ...services, actor, ip,
    stillSignedIn: actor?.version === undefined ? undefined : () => actors.stillValid(actor as RequestActor),
  });
}
