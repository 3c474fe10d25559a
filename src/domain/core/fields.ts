import { ValidationError } from './errors.js';

/**
 * The checks every decider makes on what comes from outside, so that nothing it accepts is something a read model
 * cannot hold: text without control characters and of bounded length, identifiers short enough for an index,
 * whole numbers within a column's range, instants a timestamp column takes.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The earliest and latest instants a command may name: anything outside is a typo or an attack, never an exam. */
export const EARLIEST = Date.UTC(2000, 0, 1);
export const LATEST = Date.UTC(2200, 0, 1);

/** Largest value of a PostgreSQL `integer` column. */
export const MAX_INT4 = 2_147_483_647;

function wellFormed(value: string, what: string): void {
  if (!value.isWellFormed()) throw new ValidationError(`${what} contains a broken character (a lone surrogate)`, { field: what });
}

/**
 * Free text a person typed: trimmed, not empty, at most `max` characters, no control characters (line breaks and
 * tabs only where `multiline`).
 */
export function text(value: string, what: string, max: number, options: { multiline?: boolean } = {}): string {
  if (typeof value !== 'string') throw new ValidationError(`${what} must be text`, { field: what });
  wellFormed(value, what);
  const trimmed = value.trim();
  if (!trimmed) throw new ValidationError(`${what} is empty`, { field: what });
  if (trimmed.length > max) throw new ValidationError(`${what} is ${trimmed.length} characters long; the limit is ${max}`, { field: what });
  if ((options.multiline ? CONTROL : CONTROL_SINGLE_LINE).test(trimmed)) {
    throw new ValidationError(`${what} contains control characters`, { field: what });
  }
  return trimmed;
}

/** Like `text`, but empty or absent gives null. */
export function optionalText(value: string | null | undefined, what: string, max: number, options: { multiline?: boolean } = {}): string | null {
  if (value === null || value === undefined || (typeof value === 'string' && !value.trim())) return null;
  return text(value, what, max, options);
}

/** What a program sends and nobody reads closely (a browser's user agent): cut to `max`, control characters dropped. */
export function clip(value: string, max: number): string {
  const clean = String(value ?? '').replace(new RegExp(CONTROL_SINGLE_LINE.source, 'g'), ' ');
  const cut = clean.slice(0, max);
  return cut.isWellFormed() ? cut : cut.toWellFormed();
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** An id of ours or a client's: 1–100 letters, digits or _ . : - (a UUID is one). */
export function identifier(value: string, what: string): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new ValidationError(`${what} ${JSON.stringify(typeof value === 'string' ? value.slice(0, 40) : value)}${typeof value === 'string' && value.length > 40 ? '…' : ''} must be 1–100 letters, digits or _ . : - and start with a letter or digit`, { field: what });
  }
  return value;
}

/** A whole number from `min` to `max` (both included). */
export function wholeNumber(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${what} must be a whole number from ${min} to ${max}, not ${value}`, { field: what });
  }
  return value;
}

/** An instant from 2000 to 2199: what a timestamp column and every clock in this system can hold. */
export function instant(value: Date, what: string): Date {
  const t = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(t)) throw new ValidationError(`${what} is not a valid date and time`, { field: what });
  if (t < EARLIEST || t >= LATEST) throw new ValidationError(`${what} ${value.toISOString()} is not between the years 2000 and 2199`, { field: what });
  return value;
}

/** An http(s) URL without control characters or credentials, at most `max` characters, kept as given. */
export function httpUrl(value: string, what: string, max = 2000): string {
  const raw = text(value, what, max);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(`${what} ${JSON.stringify(raw.slice(0, 80))} is not a URL`, { field: what });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(`${what} must be an http or https URL`, { field: what });
  if (url.username || url.password) throw new ValidationError(`${what} must not carry a user name or password`, { field: what });
  return raw;
}
