import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkWebm } from '../webm.js';

const run = promisify(execFile);

/** The header of a Janus recording (.mjr): kind, codec, when the file was created and when its first packet came (µs). */
export interface MjrHeader {
  readonly t: 'a' | 'v' | 'd';
  readonly c: string;
  /** Creation time, microseconds since the epoch. */
  readonly s: number;
  /** Time of the first packet written, microseconds since the epoch. */
  readonly u: number;
}

export interface Tools {
  readonly ppRec: string;
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

export const DEFAULT_TOOLS: Tools = { ppRec: 'janus-pp-rec', ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

/** The files Janus writes for one recording base: `<base>-audio-<mid>.mjr`, `<base>-video-<mid>.mjr`. */
export interface RecordingFiles {
  readonly base: string;
  readonly video: string | null;
  readonly audio: string | null;
}

const FILE = /^(.+)-(audio|video|data)-(\d+)\.mjr$/;

/**
 * Groups a folder's .mjr files by recording base (the `filename` given to Janus), in the order they were made:
 * bases are `<track>-<epoch ms>` so they sort by time within a track. Data channels are ignored.
 */
export function groupRecordings(names: readonly string[]): RecordingFiles[] {
  const byBase = new Map<string, { video: string | null; audio: string | null }>();
  for (const name of names) {
    const m = FILE.exec(name);
    if (!m || m[2] === 'data') continue;
    const entry = byBase.get(m[1]) ?? { video: null, audio: null };
    // One camera track and one microphone per publisher; the first of each kind wins.
    if (m[2] === 'video') entry.video ??= name;
    else entry.audio ??= name;
    byBase.set(m[1], entry);
  }
  return [...byBase.entries()]
    .map(([base, f]) => ({ base, ...f }))
    .sort((a, b) => baseTime(a.base) - baseTime(b.base) || a.base.localeCompare(b.base));
}

/**
 * The name of a new recording (Janus adds `-video-N.mjr` and `-audio-N.mjr`): the track, the tag of the process
 * that will convert it (`NODE_TAG`: nodes sharing the folder leave each other's recordings alone) and the time.
 */
export function recordingBase(track: string, tag: string, now: number): string {
  return `${track}-${tag}-${now}`;
}

/** The tag of the process a recording belongs to (see `recordingBase`); null for a name without one (older runs). */
export function baseOwner(base: string): string | null {
  const m = /^[a-z]+-([0-9a-f]{6})-\d{10,}$/.exec(base);
  return m ? m[1] : null;
}

/** The epoch milliseconds at the end of a base name (`camera-1764000000000` → 1764000000000), or 0. */
export function baseTime(base: string): number {
  const m = /-(\d{10,})$/.exec(base);
  return m ? Number(m[1]) : 0;
}

/**
 * Whether a VP8 recording (.mjr, as much of it as is written) holds the start of a keyframe. Janus writes through
 * stdio, so a file being recorded may end inside a packet: what is whole is read. Layout (Janus's record.c):
 * "MJR00002", a 16-bit length and the JSON header, then per packet "MEET", a 32-bit time, a 16-bit length, the RTP
 * packet.
 */
export function mjrHasVp8Keyframe(data: Uint8Array): boolean {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (view.length < 10 || view.toString('latin1', 0, 8) !== 'MJR00002') return false;
  let pos = 10 + view.readUInt16BE(8);
  while (pos + 10 <= view.length) {
    if (view.toString('latin1', pos, pos + 4) !== 'MEET') return false;
    const end = pos + 10 + view.readUInt16BE(pos + 8);
    if (end > view.length) return false;
    if (startsVp8Keyframe(view.subarray(pos + 10, end))) return true;
    pos = end;
  }
  return false;
}

/** An RTP packet carrying the first part of a VP8 keyframe (RFC 7741: descriptor, then the payload header's P bit). */
export function startsVp8Keyframe(rtp: Buffer): boolean {
  if (rtp.length < 13 || rtp[0] >> 6 !== 2) return false;
  let at = 12 + 4 * (rtp[0] & 0x0f);
  if (rtp[0] & 0x10) {
    if (at + 4 > rtp.length) return false;
    at += 4 + 4 * rtp.readUInt16BE(at + 2);
  }
  if (at >= rtp.length) return false;
  const descriptor = rtp[at++];
  const startOfPartitionZero = (descriptor & 0x10) !== 0 && (descriptor & 0x07) === 0;
  if (descriptor & 0x80) {
    if (at >= rtp.length) return false;
    const extended = rtp[at++];
    if (extended & 0x80) at += at < rtp.length && rtp[at] & 0x80 ? 2 : 1; // picture id, 7 or 15 bits
    if (extended & 0x40) at += 1; // TL0PICIDX
    if (extended & 0x30) at += 1; // TID / KEYIDX
  }
  return startOfPartitionZero && at < rtp.length && (rtp[at] & 0x01) === 0;
}

export async function readMjrHeader(file: string, tools: Tools = DEFAULT_TOOLS): Promise<MjrHeader> {
  const { stdout } = await run(tools.ppRec, ['-j', file], { maxBuffer: 1024 * 1024 });
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (!line) throw new Error(`janus-pp-rec printed no header for ${file}`);
  return JSON.parse(line) as MjrHeader;
}

/** The bytes Janus writes when it opens a recording ("MJR00002"); the header proper follows with the first packet. */
const MJR_MAGIC_BYTES = 8;

/**
 * A recording whose file holds no more than Janus's opening bytes: either nothing was ever sent, or Janus has not yet
 * written what it received (seen under CPU load right after a recording was cycled). Only time tells which.
 */
export class UnwrittenRecording extends Error {}

/** A video recording whose packets (so far) hold no keyframe: nothing in it can be shown. */
export class NoKeyframe extends Error {}

export interface ConvertedSegment {
  readonly data: Buffer;
  readonly sha256: string;
  readonly start: Date;
  readonly durationMs: number;
  readonly streams: { readonly video: boolean; readonly audio: boolean };
}

/**
 * Turns one recording (a video .mjr and, for the camera, the microphone's .mjr) into one playable WebM:
 * janus-pp-rec extracts VP8 into WebM and Opus into .opus, ffmpeg puts them in one file with the later track
 * delayed by the difference of their first packets. The segment starts at the first packet of either track.
 * Answers null when the recording holds no video (a publisher that left before sending any); throws
 * `UnwrittenRecording` when the video file holds only Janus's opening bytes, `NoKeyframe` when its packets hold no
 * keyframe.
 */
export async function convertRecording(dir: string, files: RecordingFiles, workDir: string, tools: Tools = DEFAULT_TOOLS): Promise<ConvertedSegment | null> {
  if (!files.video) return null;
  const videoMjr = join(dir, files.video);
  const video = await readMjrHeader(videoMjr, tools).catch(() => null);
  if (!video) {
    const size = (await stat(videoMjr).catch(() => null))?.size ?? 0;
    if (size <= MJR_MAGIC_BYTES) throw new UnwrittenRecording(`${files.video} holds ${size} bytes: nothing written yet`);
    throw new Error(`janus-pp-rec cannot read the header of ${files.video} (${size} bytes)`);
  }
  if (!video.u) return null; // a header without a first packet: nothing came
  // Without a keyframe janus-pp-rec writes a WebM with no picture size, which nothing plays.
  if (!mjrHasVp8Keyframe(await readFile(videoMjr))) throw new NoKeyframe(`${files.video} holds no keyframe: no picture to start from`);
  const tag = `${files.base}-${process.pid}-${Date.now()}`;
  const videoOut = join(workDir, `${tag}.video.webm`);
  const audioOut = join(workDir, `${tag}.audio.opus`);
  const out = join(workDir, `${tag}.webm`);
  try {
    await run(tools.ppRec, ['-d', '2', videoMjr, videoOut]);
    let audio: MjrHeader | null = null;
    if (files.audio) {
      const audioMjr = join(dir, files.audio);
      audio = await readMjrHeader(audioMjr, tools).catch(() => null);
      if (audio?.u) await run(tools.ppRec, ['-d', '2', audioMjr, audioOut]).catch(() => (audio = null));
      else audio = null;
    }
    const startUs = audio ? Math.min(video.u, audio.u) : video.u;
    const delay = (us: number) => ((us - startUs) / 1e6).toFixed(3);
    const args = ['-v', 'error', '-y', '-itsoffset', delay(video.u), '-i', videoOut];
    if (audio) args.push('-itsoffset', delay(audio.u), '-i', audioOut, '-map', '0:v:0', '-map', '1:a:0');
    args.push('-c', 'copy', '-f', 'webm', out);
    await run(tools.ffmpeg, args);
    const data = await readFile(out);
    const durationMs = await probeDurationMs(out, tools).catch((error: Error) => {
      // janus-pp-rec gives frames no duration, so a piece of one frame (cycled just before an end) has none to
      // ffprobe: it counts 1 ms, as long as the file holds that frame.
      const verdict = checkWebm(data);
      if (verdict.ok && verdict.facts.frames > 0) return Math.max(1, verdict.facts.spanMs);
      throw error;
    });
    return {
      data,
      sha256: createHash('sha256').update(data).digest('hex'),
      start: new Date(Math.round(startUs / 1000)),
      durationMs,
      streams: { video: true, audio: Boolean(audio) },
    };
  } finally {
    await Promise.all([videoOut, audioOut, out].map((f) => rm(f, { force: true })));
  }
}

export async function probeDurationMs(file: string, tools: Tools = DEFAULT_TOOLS): Promise<number> {
  const { stdout } = await run(tools.ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const seconds = Number(stdout.trim());
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`ffprobe found no duration in ${file}`);
  return Math.max(1, Math.round(seconds * 1000));
}
