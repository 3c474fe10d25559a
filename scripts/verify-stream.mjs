#!/usr/bin/env node
// Checks an exported session stream (JSON Lines, format proctor-stream/1) offline: no server, no database, nothing
// but Node's standard library and the chain's specification (src/domain/chain/spec.mjs, the same code the server
// hashes and signs with). Prints OK, or BAD with the first event that fails and why. See README, "Auditing a session".
//
//   node scripts/verify-stream.mjs session-X.jsonl [--key <public key, base64>]
//
// Exit status: 0 verified, 1 does not verify, 2 the file or the arguments could not be read.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, checkpointSignedText, ED25519_SPKI_PREFIX_HEX, eventHashInput, STREAM_EXPORT_FORMAT } from '../src/domain/chain/spec.mjs';

class Bad extends Error {
  constructor(check, at, reason) {
    super(reason);
    this.check = check;
    this.at = at;
  }
}

function parseArgs(argv) {
  const args = { file: null, key: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--key') args.key = argv[++i] ?? null;
    else if (argv[i] === '--help' || argv[i] === '-h') args.help = true;
    else if (!args.file) args.file = argv[i];
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  return args;
}

/** The file's lines as JSON values: the header, the events, the checkpoint. */
function readExport(text) {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const values = lines.map((l, i) => {
    try {
      return JSON.parse(l);
    } catch {
      throw new Error(`line ${i + 1} is not JSON`);
    }
  });
  const [header, ...rest] = values;
  if (header?.kind !== 'header' || header.format !== STREAM_EXPORT_FORMAT) throw new Error(`the first line is not a ${STREAM_EXPORT_FORMAT} header`);
  const checkpoint = rest.at(-1)?.kind === 'checkpoint' ? rest.pop() : null;
  if (!checkpoint) throw new Bad('truncated', null, 'the file has no checkpoint line at its end: it was cut short');
  const stray = rest.findIndex((v) => v?.kind !== 'event');
  if (stray >= 0) throw new Error(`line ${stray + 2} is not an event`);
  return { header, events: rest, checkpoint };
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** The hash chain, event by event: versions in order, each linked to the one before, each hash its content's. */
function checkChain(stream, events) {
  let prev = null;
  for (const [i, e] of events.entries()) {
    if (e.streamId !== stream) throw new Bad('stream', e.streamVersion, `the event belongs to ${JSON.stringify(e.streamId)}, not ${JSON.stringify(stream)}`);
    if (e.streamVersion !== i) throw new Bad('version', e.streamVersion, `expected version ${i}, found ${e.streamVersion}: an event was removed or moved`);
    if (e.prevHash !== prev) throw new Bad('link', i, 'its link to the previous event does not match: an event before it was removed, moved or changed');
    const hash = sha256(eventHashInput(e, canonicalJson(e.data), canonicalJson(e.metadata)));
    if (hash !== e.hash) throw new Bad('hash', i, 'its content does not match its hash: the event was edited');
    prev = e.hash;
  }
}

/** The checkpoint: signed by the key, naming this stream's head, and that head still in the stream. */
function checkAnchor(stream, events, checkpoint, keyBase64) {
  if (checkpoint.version === null || checkpoint.version === undefined) throw new Bad('unsigned', null, 'no signed checkpoint covers this stream yet: the chain is intact, but nothing proves it was not rewritten whole');
  const raw = Buffer.from(keyBase64 ?? '', 'base64');
  if (raw.length !== 32) throw new Error('the public key is not 32 bytes of base64');
  const key = createPublicKey({ key: Buffer.concat([Buffer.from(ED25519_SPKI_PREFIX_HEX, 'hex'), raw]), format: 'der', type: 'spki' });
  const keyId = sha256(raw).slice(0, 16);
  if (checkpoint.keyId !== keyId) throw new Bad('signature', checkpoint.version, `the checkpoint names key ${checkpoint.keyId}, not ${keyId}`);
  const signedOk = verify(null, Buffer.from(checkpointSignedText(checkpoint)), key, Buffer.from(String(checkpoint.signature), 'base64'));
  if (!signedOk) throw new Bad('signature', checkpoint.version, 'the checkpoint\'s signature does not verify with the key: the checkpoint was altered or forged');
  const named = Array.isArray(checkpoint.heads) && checkpoint.heads.some((h) => h.stream === stream && h.version === checkpoint.version && h.hash === checkpoint.hash);
  if (!named) throw new Bad('signature', checkpoint.version, `the signed checkpoint does not name version ${checkpoint.version} of ${stream} with that hash`);
  if (events.length <= checkpoint.version) {
    throw new Bad('truncated', checkpoint.version, `the stream ends at version ${events.length - 1}, but version ${checkpoint.version} was signed on ${checkpoint.at}: events were removed`);
  }
  if (events[checkpoint.version].hash !== checkpoint.hash) throw new Bad('anchor', checkpoint.version, `version ${checkpoint.version} is not the event that was signed: the stream was rewritten`);
  return keyId;
}

function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    return 2;
  }
  if (args.help || !args.file) {
    console.error('usage: verify-stream <export.jsonl> [--key <the server\'s Ed25519 public key, base64>]');
    return args.help ? 0 : 2;
  }
  let parsed;
  try {
    parsed = readExport(readFileSync(args.file, 'utf8'));
  } catch (error) {
    if (error instanceof Bad) return report(error);
    console.error(`cannot read ${args.file}: ${error.message}`);
    return 2;
  }
  const { header, events, checkpoint } = parsed;
  try {
    checkChain(header.stream, events);
    const keyId = checkAnchor(header.stream, events, checkpoint, args.key ?? header.publicKey);
    const tail = events.length - 1 - checkpoint.version;
    console.log(`OK ${header.stream}: ${events.length} events, chain intact; version ${checkpoint.version} signed on ${checkpoint.at} by key ${keyId}` +
      (args.key ? '' : ' (the key in the file: compare its id with the one the operator publishes, or pass --key)') +
      (tail > 0 ? `; the last ${tail} event(s) are chained but not yet signed` : ''));
    return 0;
  } catch (error) {
    if (error instanceof Bad) return report(error);
    console.error(error.message);
    return 2;
  }
}

function report(bad) {
  console.log(`BAD${bad.at === null ? '' : ` at version ${bad.at}`} (${bad.check}): ${bad.message}`);
  return 1;
}

process.exitCode = main();
