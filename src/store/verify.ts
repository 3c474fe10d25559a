import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { signedPayload, type ChainEvent } from '../domain/chain/chain.js';
import type { RecordedEvent } from './event-store.js';
import { eventHash, sealOf } from './validate.js';

/** Which check a stream failed. */
export type ChainCheck = 'version' | 'link' | 'hash' | 'seal' | 'truncated' | 'anchor' | 'signature';

export interface ChainVerdict {
  readonly ok: boolean;
  readonly events: number;
  /** Version of the first event that does not verify (for `truncated`: the version the stream should reach). */
  readonly brokenAt: number | null;
  readonly reason: string | null;
  readonly check: ChainCheck | null;
  /** Events carrying a seal that verified (with a key to check them). */
  readonly sealed: number;
  /** The stream version a signed checkpoint vouches for, and when it was signed (null: none yet). */
  readonly anchoredVersion: number | null;
  readonly anchoredAt: Date | null;
}

/** A signed checkpoint that names this stream's head: where the stream was, by the server's key. */
export interface AnchorEvidence {
  readonly version: number;
  readonly hash: string;
  readonly checkpoint: RecordedEvent;
  readonly publicKey: KeyObject;
}

/**
 * Recomputes a stream's hash chain: any edited, removed or reordered event breaks it from that point on. With the
 * seal key, each event's seal must verify (a rewrite with recomputed hashes cannot make them); with an anchor, the
 * stream must still hold the signed head (removing its last events, or rewriting them, is caught) and the checkpoint's
 * signature must verify.
 */
export function verifyChain(events: readonly RecordedEvent[], options: { sealKey?: Uint8Array; anchor?: AnchorEvidence | null } = {}): ChainVerdict {
  const anchor = options.anchor ?? null;
  const base = { events: events.length, anchoredVersion: anchor?.version ?? null, anchoredAt: anchor ? anchor.checkpoint.recordedAt : null };
  let prev: string | null = null;
  let sealed = 0;
  const broken = (check: ChainCheck, at: number, reason: string): ChainVerdict => ({ ...base, ok: false, brokenAt: at, reason, check, sealed });
  for (const [i, event] of events.entries()) {
    if (event.streamVersion !== i) return broken('version', event.streamVersion, `expected version ${i}, found ${event.streamVersion}`);
    if (event.prevHash !== prev) return broken('link', i, 'link to the previous event does not match');
    if (eventHash(event.storedData === undefined ? event : { ...event, data: event.storedData }) !== event.hash) return broken('hash', i, 'content does not match its hash');
    if (options.sealKey) {
      if (event.seal === null) return broken('seal', i, 'the event is not sealed (its seal was removed, or it was written without the key)');
      if (event.seal !== sealOf(options.sealKey, event.hash)) return broken('seal', i, 'the seal does not match: the event was rewritten by someone without the server\'s key');
      sealed += 1;
    }
    prev = event.hash;
  }
  if (anchor) {
    const data = anchor.checkpoint.data as ChainEvent['data'];
    const { signature, ...unsigned } = data;
    const signedOk = verifySignature(null, Buffer.from(signedPayload(unsigned)), anchor.publicKey, Buffer.from(signature, 'base64'));
    const named = data.heads.some((h) => h.version === anchor.version && h.hash === anchor.hash);
    if (!signedOk || !named) return broken('signature', anchor.version, `the checkpoint vouching for version ${anchor.version} is not signed by the server's key`);
    if (events.length <= anchor.version) {
      return broken('truncated', anchor.version, `the stream ends at version ${events.length - 1}, but version ${anchor.version} was signed on ${anchor.checkpoint.recordedAt.toISOString()}: events were removed`);
    }
    if (events[anchor.version].hash !== anchor.hash) return broken('anchor', anchor.version, `version ${anchor.version} is not the event that was signed: the stream was rewritten`);
  }
  return { ...base, ok: true, brokenAt: null, reason: null, check: null, sealed };
}
