/**
 * A WebM checker that reads a recording segment as it streams in, keeping only element headers and a few small
 * values: the EBML header and its DocType, a Segment with at least one track, at least one frame (SimpleBlock or
 * Block) whose bytes are all there, and the time its frames span. Enough to refuse what ffprobe would call broken
 * (a truncated file, a bad number where an element should start) before a segment is stored as good.
 *
 * Matroska elements: an ID (1–4 bytes, length marker kept), a size (1–8 bytes, marker dropped; all ones means
 * "unknown", which live writers such as MediaRecorder use for the Segment and its Clusters), then the data. An element
 * of unknown size ends where an element that cannot be its child begins.
 */

export interface WebmFacts {
  readonly docType: string;
  readonly tracks: number;
  readonly frames: number;
  /** From the first frame's time to the last's, in ms. */
  readonly spanMs: number;
  /** Info/Duration, when the writer knew it (ffmpeg does, MediaRecorder does not). */
  readonly declaredDurationMs: number | null;
  readonly bytes: number;
}

export type WebmVerdict = { readonly ok: true; readonly facts: WebmFacts } | { readonly ok: false; readonly reason: string };

const ID = {
  EBML: 0x1a45dfa3, DocType: 0x4282, Segment: 0x18538067, Info: 0x1549a966, TimestampScale: 0x2ad7b1, Duration: 0x4489,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, Cluster: 0x1f43b675, Timestamp: 0xe7, SimpleBlock: 0xa3, BlockGroup: 0xa0, Block: 0xa1,
  Void: 0xec, Crc32: 0xbf,
} as const;

/** Masters we descend into, with the ids that may appear inside each (an unknown-size one ends at anything else). */
const CHILDREN: Record<number, ReadonlySet<number> | null> = {
  [ID.EBML]: null, // read whole: small, of known size
  [ID.Segment]: new Set([0x114d9b74, ID.Info, ID.Tracks, 0x1c53bb6b, ID.Cluster, 0x1941a469, 0x1043a770, 0x1254c367, ID.Void, ID.Crc32]),
  [ID.Info]: null,
  [ID.Tracks]: null,
  [ID.Cluster]: new Set([ID.Timestamp, 0x5854, 0xa7, 0xab, ID.SimpleBlock, ID.BlockGroup, 0xaf, ID.Void, ID.Crc32]),
  [ID.BlockGroup]: null,
};
/** Leaves whose value we need (all small), read whole; other leaves are skipped byte by byte. */
const WANTED = new Set<number>([ID.DocType, ID.TimestampScale, ID.Duration, ID.Timestamp]);
/** Of a frame we need the track number and the 16-bit time: its first 12 bytes at most. */
const BLOCK_HEAD = 12;
const MAX_ID_BYTES = 4;
const MAX_SIZE_BYTES = 8;

interface Open {
  readonly id: number;
  /** Absolute offset where its data ends, or null for an unknown size. */
  readonly end: number | null;
}

class Broken extends Error {}

/** Feed it the segment's chunks in order, then `finish()`. */
export class WebmChecker {
  private buffer: Buffer = Buffer.alloc(0);
  /** Absolute offset of `buffer[0]`. */
  private offset = 0;
  private skip = 0;
  private readonly open: Open[] = [];
  private pending: { id: number; size: number; take: number } | null = null;
  private failure: string | null = null;
  private sawHeader = false;
  private sawSegment = false;
  private docType = '';
  private tracks = 0;
  private frames = 0;
  private timestampScale = 1_000_000;
  private duration: number | null = null;
  private clusterTime = 0;
  private first = Infinity;
  private last = -Infinity;

  push(chunk: Buffer): void {
    if (this.failure) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.parse();
    } catch (error) {
      if (!(error instanceof Broken)) throw error;
      this.failure = error.message;
    }
  }

  finish(): WebmVerdict {
    const end = this.offset + this.buffer.length;
    if (this.failure) return { ok: false, reason: this.failure };
    if (this.skip > 0 || this.pending || this.buffer.length > 0) return { ok: false, reason: `the file ends in the middle of an element (at byte ${end})` };
    const cut = this.open.find((o) => o.end !== null && o.end > end);
    if (cut) return { ok: false, reason: `the file ends before its ${name(cut.id)} does (at byte ${end})` };
    if (!this.sawHeader) return { ok: false, reason: 'no EBML header: this is not a WebM file' };
    if (!/^(webm|matroska)$/.test(this.docType)) return { ok: false, reason: `the document type is ${JSON.stringify(this.docType)}, not webm` };
    if (!this.sawSegment) return { ok: false, reason: 'no Segment: the file holds no media' };
    if (this.tracks === 0) return { ok: false, reason: 'no track in the file' };
    if (this.frames === 0) return { ok: false, reason: 'no frame in the file' };
    const unit = this.timestampScale / 1_000_000;
    return {
      ok: true,
      facts: {
        docType: this.docType, tracks: this.tracks, frames: this.frames, spanMs: Math.round((this.last - this.first) * unit),
        declaredDurationMs: this.duration === null ? null : Math.round(this.duration * unit), bytes: end,
      },
    };
  }

  private parse(): void {
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buffer.length);
        this.consume(n);
        this.skip -= n;
        if (this.skip > 0) return;
      }
      if (this.pending) {
        if (this.buffer.length < this.pending.take) return;
        this.value(this.pending.id, this.buffer.subarray(0, this.pending.take));
        const rest = this.pending.size - this.pending.take;
        this.consume(this.pending.take);
        this.pending = null;
        this.skip = rest;
        continue;
      }
      const start = this.offset;
      this.closeEnded(start);
      const read = readVint(this.buffer, 0, MAX_ID_BYTES, true, start, 'element id');
      if (!read) return;
      const id = { value: read.value as number, length: read.length };
      const size = readVint(this.buffer, id.length, MAX_SIZE_BYTES, false, start + id.length, 'element size');
      if (!size) return;
      if (!this.sawHeader && id.value !== ID.EBML) throw new Broken(`the file does not start with an EBML header (0x${id.value.toString(16)} at byte 0)`);
      this.closeUnknown(id.value);
      const parent = this.open.at(-1);
      const headerEnd = start + id.length + size.length;
      const end = size.value === null ? null : headerEnd + size.value;
      if (parent?.end != null && end !== null && end > parent.end) throw new Broken(`${name(id.value)} at byte ${start} overruns its ${name(parent.id)}`);
      this.consume(id.length + size.length);
      if (id.value === ID.EBML) this.sawHeader = true;
      if (id.value === ID.Segment) this.sawSegment = true;
      if (id.value === ID.TrackEntry) this.tracks += 1;
      if (id.value in CHILDREN) {
        this.open.push({ id: id.value, end });
        continue;
      }
      if (size.value === null) throw new Broken(`${name(id.value)} at byte ${start} has an unknown size`);
      if (id.value === ID.SimpleBlock || id.value === ID.Block) {
        this.pending = { id: id.value, size: size.value, take: Math.min(size.value, BLOCK_HEAD) };
      } else if (WANTED.has(id.value)) {
        if (size.value > 64) throw new Broken(`${name(id.value)} at byte ${start} is ${size.value} bytes long`);
        this.pending = { id: id.value, size: size.value, take: size.value };
      } else {
        this.skip = size.value;
      }
    }
  }

  /** Pops masters whose known end is at or before `at`. */
  private closeEnded(at: number): void {
    while (this.open.length && this.open.at(-1)!.end !== null && this.open.at(-1)!.end! <= at) this.open.pop();
  }

  /** An element that cannot be a child of the unknown-size master on top closes it (and so on upwards). */
  private closeUnknown(id: number): void {
    for (;;) {
      const top = this.open.at(-1);
      if (!top || top.end !== null) return;
      const children = CHILDREN[top.id];
      if (children && children.has(id)) return;
      this.open.pop();
    }
  }

  private value(id: number, data: Buffer): void {
    switch (id) {
      case ID.DocType:
        this.docType = data.toString('latin1').replace(/\0+$/, '');
        return;
      case ID.TimestampScale:
        this.timestampScale = Number(readUint(data)) || 1_000_000;
        return;
      case ID.Duration:
        this.duration = data.length === 4 ? data.readFloatBE(0) : data.length === 8 ? data.readDoubleBE(0) : null;
        return;
      case ID.Timestamp:
        this.clusterTime = Number(readUint(data));
        return;
      case ID.SimpleBlock:
      case ID.Block: {
        const track = readVint(data, 0, MAX_SIZE_BYTES, false, 0, 'track number');
        if (!track || track.value === null || data.length < track.length + 2) throw new Broken('a frame too short to hold its header');
        const time = this.clusterTime + data.readInt16BE(track.length);
        this.frames += 1;
        this.first = Math.min(this.first, time);
        this.last = Math.max(this.last, time);
        return;
      }
    }
  }

  private consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
    this.offset += n;
  }
}

/**
 * A variable-length integer at `at`, or null when the buffer ends first. IDs keep their length marker; a size of all
 * ones reads as a null value (unknown).
 */
function readVint(buf: Buffer, at: number, maxBytes: number, keepMarker: boolean, absolute: number, what: string): { value: number | null; length: number } | null {
  if (buf.length <= at) return null;
  const firstByte = buf[at];
  if (firstByte === 0) throw new Broken(`0x00 at byte ${absolute} cannot start an ${what}`);
  const length = Math.clz32(firstByte) - 23; // leading zeros within the byte, plus one
  if (length > maxBytes) throw new Broken(`an ${what} at byte ${absolute} is longer than ${maxBytes} bytes`);
  if (buf.length < at + length) return null;
  let value = keepMarker ? firstByte : firstByte & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[at + i];
    if (buf[at + i] !== 0xff) allOnes = false;
  }
  if (!keepMarker && allOnes) return { value: null, length }; // unknown size
  if (!Number.isSafeInteger(value)) throw new Broken(`an ${what} at byte ${absolute} is too large`);
  return { value, length };
}

function readUint(data: Buffer): bigint {
  let v = 0n;
  for (const b of data) v = v * 256n + BigInt(b);
  return v;
}

function name(id: number): string {
  const known = Object.entries(ID).find(([, v]) => v === id)?.[0];
  return known ?? `element 0x${id.toString(16)}`;
}

/** Checks a whole segment already in memory (the Janus path converts to a buffer). */
export function checkWebm(data: Buffer): WebmVerdict {
  const checker = new WebmChecker();
  checker.push(data);
  return checker.finish();
}

/**
 * Whether a valid segment's media agrees with the duration its uploader declared: neither its frames nor the duration
 * it states may run past the declared time (plus a frame's worth of slack). Shorter is normal: a shared screen that
 * does not change sends no frames (a 10-second piece of a still screen may hold 4 seconds of them).
 */
export function durationMismatch(facts: WebmFacts, declaredMs: number): string | null {
  const slack = 1500;
  if (facts.spanMs > declaredMs + slack) return `its frames span ${facts.spanMs} ms, more than the ${declaredMs} ms declared`;
  if (facts.declaredDurationMs !== null && facts.declaredDurationMs > declaredMs + slack) {
    return `the file says it lasts ${facts.declaredDurationMs} ms, more than the ${declaredMs} ms declared`;
  }
  return null;
}
