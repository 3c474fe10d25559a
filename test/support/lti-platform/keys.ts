import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** One RS256 signing key with its kid. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `platform-${randomUUID()}`;
  const jwk = await exportJWK(publicKey);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

/**
 * The platform's key ring: the current key signs, the published ones are in the JWKS, and a stranger key (never
 * published) is there to forge signatures for negative tests.
 */
export class KeyRing {
  private constructor(
    public current: SigningKey,
    private published: SigningKey[],
    readonly stranger: SigningKey,
  ) {}

  static async create(): Promise<KeyRing> {
    const first = await newSigningKey();
    return new KeyRing(first, [first], await newSigningKey());
  }

  /** Makes a new key current; the old ones stay published unless `retireOld`. */
  async rotate(retireOld: boolean): Promise<SigningKey> {
    const next = await newSigningKey();
    this.published = retireOld ? [next] : [...this.published, next];
    this.current = next;
    return next;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.published.map((k) => k.publicJwk) };
  }
}
