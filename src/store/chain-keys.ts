import { createHash, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';

/** The keys that make the event chain trustworthy to someone who does not trust the database. */
export interface ChainKeys {
  /** HMAC key that seals each event's hash (see `RecordedEvent.seal`). */
  readonly sealKey: Uint8Array;
  /** Ed25519 key that signs checkpoints of stream heads. */
  readonly signingKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key, raw (32 bytes) in base64: what an auditor checks a checkpoint with, offline. */
  readonly publicKeyBase64: string;
  /** Short name of the public key (first 16 hex digits of its sha-256). */
  readonly keyId: string;
}

// An Ed25519 private key in PKCS#8 DER is this prefix and the 32-byte seed.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Both keys, derived from one secret (EVENT_KEY) with HKDF: set one secret, every node derives the same keys. */
export function chainKeys(secret: string): ChainKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'proctor event chain', info, 32));
  const signingKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, derive('checkpoint signing')]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(signingKey);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return {
    sealKey: derive('event seal'),
    signingKey,
    publicKey,
    publicKeyBase64: raw.toString('base64'),
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
  };
}

