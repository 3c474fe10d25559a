import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { ConcurrencyError } from '../../domain/core/errors.js';
import { SYSTEM_ACTOR, type Actor } from '../../domain/core/decider.js';
import { signingKey, type ToolKey, type ToolKeys } from '../../domain/lti/tool-keys.js';
import type { Core } from '../core/core.js';

/** How long a replaced key stays published, so platforms that cached our JWKS still verify what it signed. */
export const KEY_GRACE_MS = 7 * 24 * 3600_000;
/** How long a node trusts its copy of the keys before reading the stream again (another node may have rotated). */
const REFRESH_MS = 60_000;

/** A public key as our JWKS publishes it. */
export type PublishedJwk = JWK & { readonly kid: string; readonly alg: 'RS256'; readonly use: 'sig' };

/** The key that signs now, ready for jose. */
export interface Signer {
  readonly kid: string;
  readonly key: CryptoKey;
}

/**
 * Our LTI keys on this node: read from their stream, a first key generated when there is none, rotation (a new key
 * beside the old) and retirement after `KEY_GRACE_MS`. Every node reads the same stream, so all sign alike.
 */
export class ToolKeyring {
  private state: ToolKeys | null = null;
  private readAt = 0;
  private readonly imported = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly core: Core) {}

  /** The keys, generating the first one if there is none yet (at first start, or first use in a test). */
  async keys(): Promise<ToolKeys> {
    if (this.state && Date.now() - this.readAt < REFRESH_MS) return this.state;
    let state = await this.core.loadToolKeys();
    if (!signingKey(state)) state = await this.add(SYSTEM_ACTOR);
    this.state = state;
    this.readAt = Date.now();
    return state;
  }

  /** The public keys platforms verify us with: every key not retired, newest first. */
  async jwks(): Promise<{ keys: PublishedJwk[] }> {
    const { keys } = await this.keys();
    return { keys: keys.filter((k) => !k.retiredAt).reverse().map(published) };
  }

  /** The newest key, which signs launches back to platforms and our service assertions. */
  async signer(): Promise<Signer> {
    const key = signingKey(await this.keys())!;
    let imported = this.imported.get(key.kid);
    if (!imported) {
      imported = importJWK({ ...key.privateJwk, alg: 'RS256' }, 'RS256') as Promise<CryptoKey>;
      this.imported.set(key.kid, imported);
    }
    return { kid: key.kid, key: await imported };
  }

  /** Publishes a new key that signs from now on; the one before stays in the JWKS until `retireExpired`. */
  async rotate(actor: Actor): Promise<ToolKey> {
    const state = await this.add(actor);
    this.state = state;
    this.readAt = Date.now();
    return signingKey(state)!;
  }

  /** Retires every key replaced more than `KEY_GRACE_MS` ago; answers the ids retired. */
  async retireExpired(now = this.core.now()): Promise<string[]> {
    const { keys } = await this.core.loadToolKeys().then((s) => (this.state = s));
    const retired: string[] = [];
    for (let i = 0; i < keys.length - 1; i++) {
      const successor = keys.slice(i + 1).find((k) => !k.retiredAt);
      if (keys[i].retiredAt || !successor || now.getTime() - Date.parse(successor.createdAt) < KEY_GRACE_MS) continue;
      await this.core.toolKeys('', 'RetireToolKey', { kid: keys[i].kid }, SYSTEM_ACTOR);
      retired.push(keys[i].kid);
    }
    if (retired.length) this.readAt = 0;
    return retired;
  }

  private async add(actor: Actor): Promise<ToolKeys> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const [pub, priv] = await Promise.all([exportJWK(publicKey), exportJWK(privateKey)]);
    const strings = (jwk: JWK) => Object.fromEntries(Object.entries(jwk).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    try {
      return (await this.core.toolKeys('', 'AddToolKey', { kid: randomUUID(), publicJwk: strings(pub), privateJwk: strings(priv) }, actor)).state;
    } catch (error) {
      // Another node added the first key at the same moment: use theirs.
      if (error instanceof ConcurrencyError && actor === SYSTEM_ACTOR) return this.core.loadToolKeys();
      throw error;
    }
  }
}

function published(key: ToolKey): PublishedJwk {
  return { ...key.publicJwk, kid: key.kid, alg: 'RS256', use: 'sig' };
}

const keyrings = new WeakMap<Core, ToolKeyring>();

/** This node's keyring for `core`. */
export function toolKeyring(core: Core): ToolKeyring {
  let ring = keyrings.get(core);
  if (!ring) keyrings.set(core, (ring = new ToolKeyring(core)));
  return ring;
}
