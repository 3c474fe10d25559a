import { assertNever } from '../../domain/core/errors.js';
import type { FieldDef } from '../search/fields.js';

/**
 * CSV export lines in two steps: the database writes each row as a compact frame, and `renderCsvFrames` turns frames
 * into RFC 4180 lines. Quoting and the formula guard cost PostgreSQL a regular expression per text value (a third of
 * what an export cost its backend, which no parallel worker can share since a cursor runs on one); here they are a
 * byte loop on the app node, which scales out, and the backend spends about what `COPY … TO STDOUT` does.
 *
 * A frame is the row's fields in order: text and tags as `<UTF-8 byte length>:<bytes>` (`:` alone when absent), any
 * other field as its text followed by a comma (numbers, `true`/`false`, timestamps in UTC as `YYYY-MM-DD HH:MI:SS[.f]`,
 * none of which can hold a comma). Frames of consecutive rows simply follow each other.
 *
 * The lines: a value with a comma, quote, CR or LF is quoted with its quotes doubled; absent values are empty; text
 * starting with = + - @ TAB or CR gets a leading apostrophe, so a spreadsheet shows it instead of running it; dates
 * are ISO 8601 in UTC with milliseconds (truncated, as `to_char`'s MS); tags are joined with "; "; lines end in CRLF.
 */
const Kind = { Plain: 0, Text: 1, Tags: 2, Date: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

function kind(field: FieldDef): Kind {
  switch (field.type) {
    case 'text':
      return Kind.Text;
    case 'text[]':
      return Kind.Tags;
    case 'date':
      return Kind.Date;
    case 'number':
    case 'boolean':
      return Kind.Plain;
    default:
      return assertNever(field.type, 'field type');
  }
}

/**
 * The SQL expression of one row's frame. `utf8` says the server stores UTF-8, so its byte lengths are those the client
 * receives; any other server encoding has each value converted to count them.
 */
export function csvFrameExpression(fields: readonly FieldDef[], utf8: boolean): string {
  const parts = fields.flatMap((field) => {
    const c = field.column;
    const sized = (text: string) => [`octet_length(${utf8 ? text : `convert_to(${text}, 'UTF8')`})`, `':'`, text];
    switch (field.type) {
      case 'text':
        return sized(c);
      case 'text[]':
        return sized(`array_to_string(${c}, '; ')`);
      case 'date':
        // timestamp (no zone) in UTC: its text does not depend on the session's TimeZone.
        return [`(${c} AT TIME ZONE 'UTC')`, `','`];
      case 'number':
      case 'boolean':
        return [`${c}::text`, `','`];
      default:
        return assertNever(field.type, 'field type');
    }
  });
  // concat() takes at most 100 arguments; it reads NULL as empty, which is what a frame wants.
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += 90) groups.push(`concat(${parts.slice(i, i + 90).join(', ')})`);
  return groups.join(' || ');
}

const FORMULA = new Uint8Array(256);
for (const c of '=+-@\t\r') FORMULA[c.charCodeAt(0)] = 1;
const QUOTED = new Uint8Array(256);
for (const c of '",\r\n') QUOTED[c.charCodeAt(0)] = 1;
const [COMMA, COLON, QUOTE, APOSTROPHE, SPACE, DASH, DOT, T, Z, ZERO, NINE, CR, LF] = [...',:"\' -.TZ09\r\n'].map((c) => c.charCodeAt(0));

const disagree = (what: string) => new Error(`an export frame ${what}: the frame and its renderer disagree`);

/** Where batches are rendered before their lines are copied out at their size; kept while at most 4 MiB. */
let scratch = Buffer.allocUnsafe(0);
const SCRATCH_KEPT = 4 * 2 ** 20;

/**
 * Renders the frames of `rows` rows for `fields`, in `chunks` that never split a frame, as CSV lines. Every field
 * writes at most twice the bytes of its frame and each line adds CRLF, so the lines are written into a scratch buffer
 * of that size, then copied out at their own: a batch leaves behind about its size, not twice it, in memory outside
 * the JavaScript heap that only a garbage collection frees (what an export's RSS grows by). Values are short: they are
 * copied byte by byte, which beats a native copy's call for a dozen bytes.
 */
export function renderCsvFrames(chunks: readonly Buffer[], rows: number, fields: readonly FieldDef[]): Buffer {
  const kinds = fields.map(kind);
  let size = rows * 2;
  for (const chunk of chunks) size += chunk.length * 2;
  if (scratch.length < size && size <= SCRATCH_KEPT) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_KEPT, Math.max(size, scratch.length * 2)));
  // Synchronous from here to the copy out: no other export renders into it meanwhile.
  const out = scratch.length >= size ? scratch : Buffer.allocUnsafe(size);
  let n = 0;
  let rendered = 0;
  for (const frames of chunks) {
    let p = 0;
    while (p < frames.length) {
      for (let i = 0; i < kinds.length; i++) {
        if (i > 0) out[n++] = COMMA;
        const k = kinds[i];
        if (k === Kind.Text || k === Kind.Tags) {
          let c = frames[p++];
          if (c === COLON) continue; // absent
          let length = 0;
          while (c !== COLON) {
            if (!(c >= ZERO && c <= NINE)) throw disagree('has no length');
            length = length * 10 + c - ZERO;
            c = frames[p++];
          }
          if (p + length > frames.length) throw disagree('ended early');
          n = writeText(frames, p, p + length, k === Kind.Text, out, n);
          p += length;
        } else {
          const end = frames.indexOf(COMMA, p);
          if (end < 0) throw disagree('ended early');
          n = k === Kind.Date ? writeDate(frames, p, end, out, n) : copy(frames, p, end, out, n);
          p = end + 1;
        }
      }
      out[n++] = CR;
      out[n++] = LF;
      rendered++;
    }
  }
  if (rendered !== rows) throw disagree(`held ${rendered} rows, not ${rows}`);
  return Buffer.from(out.subarray(0, n));
}

function copy(from: Buffer, start: number, end: number, out: Buffer, at: number): number {
  let n = at;
  for (let j = start; j < end; j++) out[n++] = from[j];
  return n;
}

function writeText(frames: Buffer, start: number, end: number, guard: boolean, out: Buffer, at: number): number {
  let n = at;
  let quoted = false;
  for (let j = start; j < end; j++) {
    if (QUOTED[frames[j]] === 1) {
      quoted = true;
      break;
    }
  }
  if (quoted) out[n++] = QUOTE;
  if (guard && end > start && FORMULA[frames[start]] === 1) out[n++] = APOSTROPHE;
  if (!quoted) return copy(frames, start, end, out, n);
  for (let j = start; j < end; j++) {
    const c = frames[j];
    out[n++] = c;
    if (c === QUOTE) out[n++] = QUOTE;
  }
  out[n++] = QUOTE;
  return n;
}

/** `YYYY-MM-DD HH:MI:SS[.ffffff]` → `YYYY-MM-DDTHH:MI:SS.mmmZ`; anything else (infinity, BC, year 10000) as it came. */
function writeDate(frames: Buffer, start: number, end: number, out: Buffer, at: number): number {
  const iso = end - start >= 19 && frames[start + 4] === DASH && frames[start + 10] === SPACE && (end - start === 19 || frames[start + 19] === DOT);
  if (!iso) return copy(frames, start, end, out, at);
  let n = copy(frames, start, start + 10, out, at);
  out[n++] = T;
  n = copy(frames, start + 11, start + 19, out, n);
  out[n++] = DOT;
  for (let j = start + 20; j < start + 23; j++) out[n++] = j < end ? frames[j] : ZERO;
  out[n++] = Z;
  return n;
}
