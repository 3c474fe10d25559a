import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/**
 * The public keys of each registered platform, fetched from its JWKS URL. jose's remote key set does what LTI asks of
 * a tool: keys kept for 10 minutes; a token naming a kid not in the cached set makes it fetch again once, unless it
 * fetched within the cooldown (10 s: tokens with made-up kids cannot make us hammer the platform, and a platform's
 * new key is seen within seconds); concurrent fetches share one request; no redirects; a fetch times out after 5 s.
 */
export class PlatformKeySets {
  private readonly sets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly options: { cooldownMs?: number; cacheMaxAgeMs?: number; timeoutMs?: number } = {}) {}

  /** The key set of a platform; a new one when its JWKS URL changed since the last launch. */
  forPlatform(platformId: string, jwksUrl: string): JWTVerifyGetKey {
    const key = `${platformId}\n${jwksUrl}`;
    let set = this.sets.get(key);
    if (!set) {
      for (const k of this.sets.keys()) if (k.startsWith(`${platformId}\n`)) this.sets.delete(k);
      set = createRemoteJWKSet(new URL(jwksUrl), {
        cooldownDuration: this.options.cooldownMs ?? 10_000,
        cacheMaxAge: this.options.cacheMaxAgeMs ?? 600_000,
        timeoutDuration: this.options.timeoutMs ?? 5_000,
      });
      this.sets.set(key, set);
    }
    return set;
  }
}
