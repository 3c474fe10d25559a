/**
 * The one specification of what the event chain hashes and what a checkpoint signs. Plain JavaScript with no imports,
 * so that the server (src/store/validate.ts, src/domain/chain/chain.ts), the browser's replay screen and the
 * standalone verifier (scripts/verify-stream.mjs, plain Node) all run this same text: none can drift from the others.
 * Types are in spec.d.mts. The format is documented in README.md, "Auditing a session".
 */

/**
 * JSON with object keys sorted (by UTF-16 code units, as Array#sort does), so equal values hash equally whatever order
 * jsonb or a client gives the keys. Numbers and strings as JSON.stringify writes them.
 */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/**
 * The text whose SHA-256 (lowercase hex) is an event's hash: a JSON array of the previous event's hash (null for the
 * first), the stream id, the version, the event id in lowercase, the type, the recorded time as ISO-8601 UTC with
 * milliseconds, then the data and the metadata in canonical JSON (`dataJson`, `metadataJson`).
 */
export function eventHashInput(e, dataJson, metadataJson) {
  const at = typeof e.recordedAt === 'string' ? new Date(e.recordedAt).toISOString() : isoOf(e.recordedAt);
  return `[${JSON.stringify(e.prevHash)},${JSON.stringify(e.streamId)},${e.streamVersion},${JSON.stringify(e.id.toLowerCase())},${JSON.stringify(e.type)},${JSON.stringify(at)},${dataJson},${metadataJson}]`;
}

// The events of one append share one Date: its text is made once, not once an event (a Date can be changed, hence the time).
let lastDate = null;
let lastTime = NaN;
let lastIso = '';
function isoOf(date) {
  const time = date.getTime();
  if (date !== lastDate || time !== lastTime) {
    lastIso = date.toISOString();
    lastDate = date;
    lastTime = time;
  }
  return lastIso;
}

/** What a checkpoint's Ed25519 signature covers: every field but the signature, in a fixed order. */
export function checkpointSignedText(d) {
  return JSON.stringify([d.keyId, d.at, d.through, d.previous, d.heads.map((h) => [h.stream, h.version, h.hash])]);
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo: followed by the raw 32-byte key, it is a key WebCrypto and Node import. */
export const ED25519_SPKI_PREFIX_HEX = '302a300506032b6570032100';

/** The first line of an exported stream names this format. */
export const STREAM_EXPORT_FORMAT = 'proctor-stream/1';
