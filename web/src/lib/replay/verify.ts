import { canonicalJson, checkpointSignedText, ED25519_SPKI_PREFIX_HEX, eventHashInput } from '../../../../src/domain/chain/spec.mjs';
import type { ReplayEvent } from './replay.js';

/**
 * The chain checked in the browser, event by event, with WebCrypto and the server's own specification of what is
 * hashed and signed (src/domain/chain/spec.mjs): nothing the server says about its stream is taken on trust.
 */

export interface SignedAnchor {
  version: number;
  hash: string;
  checkpoint: { keyId: string; at: string; through: string; previous: string | null; signature: string; heads: { stream: string; version: number; hash: string }[] };
}

/** Per event: verified, the first break (and why), or after a break (cannot be trusted, not checked further). */
export type LinkStatus = { kind: 'ok' } | { kind: 'broken'; check: string; reason: string } | { kind: 'after-break' };

export interface ChainReport {
  links: LinkStatus[];
  ok: boolean;
  /** The first failure in words, or null. */
  problem: string | null;
  brokenAt: number | null;
  /** The version the signature vouches for (null: none), and events after it not yet signed. */
  signedVersion: number | null;
  signedAt: string | null;
  unsignedTail: number;
  keyId: string | null;
}

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const bytes = (text: string) => new TextEncoder().encode(text);
const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));

async function sha256(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes(text)));
}

/** The links of the chain: version, link to the previous hash, hash of the content. */
async function checkLinks(streamId: string, events: readonly ReplayEvent[]): Promise<LinkStatus[]> {
  const links: LinkStatus[] = [];
  let prev: string | null = null;
  let broken = false;
  for (const [i, e] of events.entries()) {
    if (broken) {
      links.push({ kind: 'after-break' });
      continue;
    }
    const hash = await sha256(eventHashInput({ ...e, streamId }, canonicalJson(e.storedData ?? e.data), canonicalJson(e.metadata)));
    let status: LinkStatus = { kind: 'ok' };
    if (e.streamVersion !== i) status = { kind: 'broken', check: 'version', reason: `expected version ${i}, found ${e.streamVersion}: an event was removed or moved` };
    else if (e.prevHash !== prev) status = { kind: 'broken', check: 'link', reason: 'its link to the previous event does not match' };
    else if (hash !== e.hash) status = { kind: 'broken', check: 'hash', reason: 'its content does not match its hash: the event was edited' };
    broken = status.kind === 'broken';
    links.push(status);
    prev = e.hash;
  }
  return links;
}

/** The anchor's signature with our public key, and the signed head still in the stream; null when all holds. */
async function checkAnchor(streamId: string, events: readonly ReplayEvent[], anchor: SignedAnchor, publicKey: string): Promise<{ at: number; reason: string } | null> {
  const raw = fromBase64(publicKey);
  const key = await crypto.subtle.importKey('spki', new Uint8Array([...fromHex(ED25519_SPKI_PREFIX_HEX), ...raw]), { name: 'Ed25519' }, false, ['verify']);
  const signed = await crypto.subtle.verify({ name: 'Ed25519' }, key, fromBase64(anchor.checkpoint.signature), bytes(checkpointSignedText(anchor.checkpoint)));
  const named = anchor.checkpoint.heads.some((h) => h.stream === streamId && h.version === anchor.version && h.hash === anchor.hash);
  if (!signed || !named) return { at: anchor.version, reason: 'the signed checkpoint does not verify with the server\'s key' };
  if (events.length <= anchor.version) return { at: anchor.version, reason: `version ${anchor.version} was signed, but the stream ends at version ${events.length - 1}: events were removed` };
  if (events[anchor.version].hash !== anchor.hash) return { at: anchor.version, reason: `version ${anchor.version} is not the event that was signed: the stream was rewritten` };
  return null;
}

/** Checks the whole stream: every link, then the signed anchor of its head. */
export async function verifyStream(streamId: string, events: readonly ReplayEvent[], anchor: SignedAnchor | null, publicKey: string | null): Promise<ChainReport> {
  const links = await checkLinks(streamId, events);
  const first = links.findIndex((l) => l.kind === 'broken');
  const base = { signedVersion: anchor?.version ?? null, signedAt: anchor?.checkpoint.at ?? null, keyId: anchor?.checkpoint.keyId ?? null };
  const tail = anchor ? Math.max(0, events.length - 1 - anchor.version) : events.length;
  if (first >= 0) {
    const l = links[first] as Extract<LinkStatus, { kind: 'broken' }>;
    return { ...base, links, ok: false, problem: `event ${first} (${l.check}): ${l.reason}`, brokenAt: first, unsignedTail: tail };
  }
  if (!anchor || !publicKey) return { ...base, links, ok: true, problem: null, brokenAt: null, unsignedTail: tail };
  const failed = await checkAnchor(streamId, events, anchor, publicKey);
  if (failed) {
    if (failed.at < links.length) links[failed.at] = { kind: 'broken', check: 'signature', reason: failed.reason };
    return { ...base, links, ok: false, problem: `event ${failed.at} (signature): ${failed.reason}`, brokenAt: failed.at, unsignedTail: tail };
  }
  return { ...base, links, ok: true, problem: null, brokenAt: null, unsignedTail: tail };
}
