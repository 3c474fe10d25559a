import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier } from '../core/fields.js';

/**
 * The RSA key pairs we sign LTI messages and service assertions with. A new key is published beside the old ones
 * (platforms cache our JWKS); the newest signs; an older one is retired after a grace period and leaves the JWKS.
 * The private half is kept in the stream because every node must sign with the same key.
 */
export interface ToolKey {
  readonly kid: string;
  /** Public JWK (kty RSA, n, e). */
  readonly publicJwk: Readonly<Record<string, string>>;
  /** Private JWK (kty RSA, n, e, d, p, q, dp, dq, qi). */
  readonly privateJwk: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly retiredAt: string | null;
}

export type ToolKeyEvent =
  | { readonly type: 'ToolKeyGenerated'; readonly data: Omit<ToolKey, 'createdAt' | 'retiredAt'> & { readonly by: string; readonly at: string } }
  | { readonly type: 'ToolKeyRetired'; readonly data: { readonly kid: string; readonly by: string; readonly at: string } };

export const TOOL_KEY_EVENT_TYPES: readonly ToolKeyEvent['type'][] = ['ToolKeyGenerated', 'ToolKeyRetired'];

export type ToolKeyCommand =
  | { readonly type: 'AddToolKey'; readonly data: Omit<ToolKey, 'createdAt' | 'retiredAt'>; readonly metadata: CommandMetadata }
  | { readonly type: 'RetireToolKey'; readonly data: { readonly kid: string }; readonly metadata: CommandMetadata };

export interface ToolKeys {
  /** Oldest first. */
  readonly keys: readonly ToolKey[];
}

/** The one stream of our keys. */
export const TOOL_KEYS_STREAM = 'lti-tool-keys';

const RSA_PUBLIC = ['n', 'e'] as const;
const RSA_PRIVATE = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

function rsaJwk(jwk: Readonly<Record<string, string>>, fields: readonly string[], what: string): Readonly<Record<string, string>> {
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'RSA') throw new ValidationError(`${what} must be an RSA JWK`);
  const out: Record<string, string> = { kty: 'RSA' };
  for (const f of fields) {
    if (typeof jwk[f] !== 'string' || !/^[A-Za-z0-9_-]{1,1400}$/.test(jwk[f])) throw new ValidationError(`${what} has no valid ${f}`);
    out[f] = jwk[f];
  }
  return out;
}

/** The key that signs now: the newest one not retired. */
export function signingKey(state: ToolKeys): ToolKey | null {
  for (let i = state.keys.length - 1; i >= 0; i--) if (!state.keys[i].retiredAt) return state.keys[i];
  return null;
}

export function decideToolKeys(command: ToolKeyCommand, state: ToolKeys): ToolKeyEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  switch (command.type) {
    case 'AddToolKey': {
      const kid = identifier(command.data.kid, 'key id');
      if (state.keys.some((k) => k.kid === kid)) throw new IllegalStateError(`the key ${kid} exists already`);
      const publicJwk = rsaJwk(command.data.publicJwk, RSA_PUBLIC, 'public key');
      const privateJwk = rsaJwk(command.data.privateJwk, RSA_PRIVATE, 'private key');
      if (publicJwk.n !== privateJwk.n || publicJwk.e !== privateJwk.e) throw new ValidationError('the public and private keys are not a pair');
      return [{ type: 'ToolKeyGenerated', data: { kid, publicJwk, privateJwk, by: actor.id, at } }];
    }
    case 'RetireToolKey': {
      const key = state.keys.find((k) => k.kid === command.data.kid);
      if (!key) throw new IllegalStateError(`there is no key ${command.data.kid}`);
      if (key.retiredAt) return [];
      // Retiring the only key left would leave nothing to sign launches and grades with.
      if (signingKey(state)?.kid === key.kid) throw new IllegalStateError('the key that signs now cannot be retired: add a new key first');
      return [{ type: 'ToolKeyRetired', data: { kid: key.kid, by: actor.id, at } }];
    }
    default:
      return assertNever(command, 'tool key command');
  }
}

export function evolveToolKeys(state: ToolKeys, event: ToolKeyEvent): ToolKeys {
  switch (event.type) {
    case 'ToolKeyGenerated': {
      const { kid, publicJwk, privateJwk, at } = event.data;
      return { keys: [...state.keys, { kid, publicJwk, privateJwk, createdAt: at, retiredAt: null }] };
    }
    case 'ToolKeyRetired':
      return { keys: state.keys.map((k) => (k.kid === event.data.kid ? { ...k, retiredAt: event.data.at } : k)) };
    default:
      return assertNever(event, 'tool key event');
  }
}

export const toolKeysDecider: Decider<ToolKeyCommand, ToolKeyEvent, ToolKeys> = {
  initialState: () => ({ keys: [] }),
  decide: decideToolKeys,
  evolve: evolveToolKeys,
};
