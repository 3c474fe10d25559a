import { checkpointSignedText } from './spec.mjs';

/**
 * Signed checkpoints of stream heads (stream `chain-checkpoints`): every few seconds the server signs the last
 * version and hash of each stream that changed, so that removing a stream's last events, or rewriting a stream with
 * recomputed hashes, is caught by anyone holding the public key. Each checkpoint names the hash of the one before.
 */
export const CHAIN_STREAM = 'chain-checkpoints';

export interface StreamHead {
  readonly stream: string;
  readonly version: number;
  readonly hash: string;
}

export type ChainEvent = {
  readonly type: 'ChainCheckpointSigned';
  readonly data: {
    readonly heads: readonly StreamHead[];
    /** Hash of the previous checkpoint event (null for the first). */
    readonly previous: string | null;
    /** Store checkpoint of the last event it covers. */
    readonly through: string;
    readonly keyId: string;
    /** Ed25519 over `signedPayload(…)`, base64. */
    readonly signature: string;
    readonly at: string;
  };
};

export const CHAIN_EVENT_TYPES: readonly ChainEvent['type'][] = ['ChainCheckpointSigned'];

/** What a checkpoint's signature covers: every field but the signature, in a fixed order (see `spec.mjs`). */
export function signedPayload(d: Omit<ChainEvent['data'], 'signature'>): string {
  return checkpointSignedText(d);
}
