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
    if (ids.has(event.id.toLowerCase())) throw new ValidationError(`event id ${event.id} appears twice in one append`);
    ids.add(event.id.toLowerCase());
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
 * `ValidationError`. The path to a bad value is built only when one is found: this runs for every node of every
 * appended event.
 */
export function plainCanonicalJson(value: unknown, where: string): string {
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
export function sealOf(key: Uint8Array, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}
