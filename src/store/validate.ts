import { createHmac, hash } from 'node:crypto';
import { canonicalJson as specCanonicalJson, eventHashInput } from '../domain/chain/spec.mjs';
import { ValidationError } from '../domain/core/errors.js';
import { MAX_EVENTS_PER_APPEND, MAX_STREAM_ID_LENGTH, type NewEvent } from './event-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event's data and metadata in canonical JSON, as `validateAppend` checked them: what is hashed and stored. */
export interface CanonicalPayload {
  readonly data: string;
  readonly metadata: string;
}

/**
 * Checks an append before any I/O, so a bad batch writes nothing, and returns each event's data and metadata in
 * canonical JSON (checked and encoded in one walk: the append path serialises once). Shared by every adapter.
 */
export function validateAppend(streamId: string, events: readonly NewEvent[], knownTypes: ReadonlySet<string>): CanonicalPayload[] {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new ValidationError('stream id is empty');
  if (streamId.length > MAX_STREAM_ID_LENGTH) {
    throw new ValidationError(`stream id is ${streamId.length} characters long; the limit is ${MAX_STREAM_ID_LENGTH}`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(streamId)) throw new ValidationError('stream id contains control characters');
  if (events.length === 0) throw new ValidationError('nothing to append');
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new ValidationError(`${events.length} events in one append; the limit is ${MAX_EVENTS_PER_APPEND}`);
  }
  const ids = new Set<string>();
  return events.map((event, i) => {
    if (!UUID.test(event.id)) throw new ValidationError(`event ${i} has id ${JSON.stringify(event.id)}, which is not a UUID`);
    const id = event.id.toLowerCase();
    if (ids.has(id)) throw new ValidationError(`event id ${event.id} appears twice in one append`);
    ids.add(id);
    if (!knownTypes.has(event.type)) throw new ValidationError(`unknown event type ${JSON.stringify(event.type)}`);
    return {
      data: plainCanonicalJson(event.data, `event ${i} (${event.type}) data`),
      metadata: event.metadata == null ? '{}' : plainCanonicalJson(event.metadata, `event ${i} (${event.type}) metadata`),
    };
  });
}

/**
 * Accepts only what survives a round trip through jsonb unchanged: null, booleans, finite numbers, strings without
 * NUL or lone surrogates, arrays and plain objects (Dates are refused too: the domain stores ISO strings).
 */
export function assertPlainJson(value: unknown, where: string): void {
  plainCanonicalJson(value, where);
}

/**
 * `canonicalJson` of a value `assertPlainJson` accepts (the same text: src/store/validate.test.ts compares them), or
 * `ValidationError` naming the path to the bad value. This runs for every node of every appended event, so a
 * walk that allocates nothing per node goes first; only a value it will not vouch for is walked again, slowly, to
 * encode it or say where it is wrong.
 */
export function plainCanonicalJson(value: unknown, where: string): string {
  return fastCanonical(value, 0) ?? checkedCanonicalJson(value, where);
}

/** Deeper than this the fast walk gives up: a cycle, or a value deep enough that the careful walk may take it. */
const FAST_DEPTH = 64;

/** `canonicalJson` of a plain value, or undefined for anything the careful walk must look at (bad or unusual). */
function fastCanonical(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case 'string':
      return v.isWellFormed() && !v.includes('\u0000') ? JSON.stringify(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : undefined;
    case 'object': {
      if (v === null) return 'null';
      if (depth >= FAST_DEPTH) return undefined;
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const item = fastCanonical(v[i], depth + 1);
          if (item === undefined) return undefined;
          out += i === 0 ? item : `,${item}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return undefined;
      const keys = Object.keys(v);
      // Most objects come with their keys in order already; sorting a sorted array still costs a comparator's calls.
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1] > keys[i]) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const quoted = quotedKey(key);
        if (quoted === undefined) return undefined;
        const item = fastCanonical((v as Record<string, unknown>)[key], depth + 1);
        if (item === undefined) return undefined;
        out += `${i === 0 ? '' : ','}${quoted}:${item}`;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

/** Keys seen before, checked and quoted: events of one type repeat the same few keys. Bounded, short keys only. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string | undefined {
  const known = quotedKeys.get(key);
  if (known !== undefined) return known;
  if (!key.isWellFormed() || key.includes('\u0000')) return undefined;
  const quoted = JSON.stringify(key);
  if (key.length <= 64 && quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  return quoted;
}

/** The careful walk: tracks the path and the objects it is inside, to name a bad value or a cycle. */
function checkedCanonicalJson(value: unknown, where: string): string {
  const path: Array<string | number> = [];
  const seen = new Set<object>();
  const fail = (why: string): never => {
    const at = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    throw new ValidationError(`${where} is not JSON-serialisable at $${at}: ${why}`);
  };
  const visit = (v: unknown): string => {
    switch (typeof v) {
      case 'string':
        if (v.includes('\u0000')) fail('string contains NUL');
        if (!v.isWellFormed()) fail('string contains a lone surrogate');
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(v)) fail(`${v} is not a finite number`);
        return JSON.stringify(v);
      case 'object':
        return v === null ? 'null' : visitObject(v);
      default:
        return fail(`${typeof v} is not allowed`);
    }
  };
  const visitObject = (v: object): string => {
    if (seen.has(v)) fail('cycle');
    seen.add(v);
    let out: string;
    if (Array.isArray(v)) {
      out = '[';
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        out += (i === 0 ? '' : ',') + visit(v[i]);
        path.pop();
      }
      out += ']';
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) fail(`${proto?.constructor?.name ?? 'object'} is not a plain object`);
      // Own enumerable keys, sorted by UTF-16 code units as the specification's canonicalJson sorts them.
      const keys = Object.keys(v).sort();
      out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        path.push(key);
        if (!key.isWellFormed() || key.includes('\u0000')) fail('bad key');
        const item = (v as Record<string, unknown>)[key];
        if (item === undefined) fail(`key ${key} is undefined`);
        out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${visit(item)}`;
        path.pop();
      }
      out += '}';
    }
    seen.delete(v);
    return out;
  };
  return visit(value);
}

/** JSON with object keys sorted (the chain's specification, `src/domain/chain/spec.mjs`). */
export const canonicalJson: (value: unknown) => string = specCanonicalJson;

export interface HashedFields {
  prevHash: string | null;
  streamId: string;
  streamVersion: number;
  id: string;
  type: string;
  recordedAt: Date;
}

/** Hash of one event chained to its predecessor's hash. Covers everything an auditor relies on. */
export function eventHash(e: HashedFields & { data: unknown; metadata: unknown }): string {
  return hashCanonical(e, canonicalJson(e.data), canonicalJson(e.metadata));
}

/** The same hash from data and metadata already in canonical JSON (the append path serialises once, for both uses). */
export function hashCanonical(e: HashedFields, data: string, metadata: string): string {
  // The one-shot hash: a third of the cost of a Hash object for an input this small, paid per appended event.
  return hash('sha256', eventHashInput(e, data, metadata), 'hex');
}

/** The seal of an event: HMAC-SHA256 of its hash with the server's seal key. */
export function sealOf(key: Uint8Array, eventHash: string): string {
  // HMAC (RFC 2104) as two one-shot hashes over the key's pads, kept per key: 2.7 µs an event where a createHmac
  // object costs 4.6 (measured), paid for every appended event. validate.test.ts holds it to createHmac.
  if (!HEX_HASH.test(eventHash)) return createHmac('sha256', key).update(eventHash).digest('hex'); // a stored hash rewritten
  return sealOfFreshHash(key, eventHash);
}

/** `sealOf` a hash this process has just computed (64 lowercase hex characters, so no check): the append path. */
export function sealOfFreshHash(key: Uint8Array, eventHash: string): string {
  const pads = padsOf(key);
  pads.inner.write(eventHash, 64, 'latin1');
  hash('sha256', pads.inner, 'buffer').copy(pads.outer, 64);
  return hash('sha256', pads.outer, 'hex');
}

const HEX_HASH = /^[0-9a-f]{64}$/;

interface HmacPads {
  /** The key xor 0x36, then room for a 64-character hash. */
  readonly inner: Buffer;
  /** The key xor 0x5c, then room for the inner digest. */
  readonly outer: Buffer;
}

const padsByKey = new WeakMap<Uint8Array, HmacPads>();

function padsOf(key: Uint8Array): HmacPads {
  let pads = padsByKey.get(key);
  if (!pads) {
    const block = key.length > 64 ? hash('sha256', key, 'buffer') : key;
    const inner = Buffer.alloc(128, 0x36);
    const outer = Buffer.alloc(96, 0x5c);
    for (let i = 0; i < 64; i++) {
      inner[i] ^= block[i] ?? 0;
      outer[i] ^= block[i] ?? 0;
    }
    pads = { inner, outer };
    padsByKey.set(key, pads);
  }
  return pads;
}
