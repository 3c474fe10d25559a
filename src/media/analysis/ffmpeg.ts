import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { backgroundCommand } from '../background.js';

/** A picture as ffmpeg hands it over: `width`×`height` pixels of RGB, row by row. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** ffmpeg is not on the PATH (or not the program it should be): the analysis is skipped, and says so. */
export class FfmpegMissingError extends Error {
  constructor() {
    super('ffmpeg not installed');
    this.name = 'FfmpegMissingError';
  }
}

/** ffmpeg could not read a segment: its content is not a decodable recording. */
export class UndecodableSegmentError extends Error {
  constructor(detail: string) {
    super(`the segment could not be decoded: ${detail}`);
    this.name = 'UndecodableSegmentError';
  }
}

let available: Promise<boolean> | null = null;

/** Whether `ffmpeg` runs here, asked once per process (`FFMPEG_PATH` names another binary). */
export function ffmpegAvailable(): Promise<boolean> {
  available ??= new Promise((resolve) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-version'], { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  return available;
}

/** Forgets the answer of `ffmpegAvailable` (tests that change `FFMPEG_PATH`). */
export function forgetFfmpeg(): void {
  available = null;
}

const ffmpegPath = () => process.env.FFMPEG_PATH || 'ffmpeg';

/** The OS niceness of the analysis (ffmpeg and its face threads): background work, so live requests come first. */
export const BACKGROUND_NICENESS = 19;

/**
 * Runs ffmpeg on `input` (written to its stdin) and hands its stdout over as it comes. One thread per run, at a low
 * priority: the analysis runs beside the server and other analyses, and the frames it asks for are few and small.
 */
async function run(args: readonly string[], input: Uint8Array, onData: (chunk: Buffer) => void, onStderr?: (text: string) => void): Promise<string> {
  const command = await backgroundCommand(ffmpegPath(), ['-hide_banner', '-nostdin', '-threads', '1', ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, BACKGROUND_NICENESS);
      } catch {
        // Gone already: it runs at our priority.
      }
    }
    let stderr = '';
    child.stdout.on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      // The last lines say what went wrong; the rest is only the stream listing, read as it comes.
      stderr = (stderr + text).slice(-8000);
      onStderr?.(stderr);
    });
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new FfmpegMissingError() : error));
    child.on('close', (code) => {
      if (code === 0) resolve(stderr);
      // chrt's "could not execute" (util-linux's EX_EXEC_ENOENT), as spawn's ENOENT without it.
      else if (command.wrapped && code === 127) reject(new FfmpegMissingError());
      else reject(new UndecodableSegmentError(lastLine(stderr) || `ffmpeg exited with code ${code}`));
    });
    // A decoder that stops reading early (a broken file) closes the pipe: that is its answer, not ours to throw.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).pop()?.slice(0, 300) ?? '';

/**
 * The video's frames at `fps` (default 1) scaled to at most `maxWidth`×`maxHeight` (aspect kept), in order. The size is
 * read from ffmpeg's own description of its output, printed before the first frame.
 */
export async function decodeFrames(webm: Uint8Array, options: { maxWidth?: number; maxHeight?: number; fps?: number } = {}): Promise<Frame[]> {
  const w = options.maxWidth ?? 320;
  const h = options.maxHeight ?? 240;
  const frames: Frame[] = [];
  let size: { width: number; height: number } | null = null;
  let pending: Buffer = Buffer.alloc(0);
  const take = () => {
    if (!size) return;
    const bytes = size.width * size.height * 3;
    while (pending.length >= bytes) {
      frames.push({ ...size, rgb: new Uint8Array(pending.subarray(0, bytes)) });
      pending = pending.subarray(bytes);
    }
  };
  const filter = `fps=${options.fps ?? 1},scale=${w}:${h}:force_original_aspect_ratio=decrease:force_divisible_by=2`;
  await run(
    ['-loglevel', 'info', '-i', 'pipe:0', '-map', '0:v:0', '-an', '-vf', filter, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    webm,
    (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      take();
    },
    (stderr) => {
      if (size) return;
      const out = /Output #0[\s\S]*?Video: rawvideo[^\n]*?, (\d+)x(\d+)/.exec(stderr);
      if (out) {
        size = { width: Number(out[1]), height: Number(out[2]) };
        take();
      }
    },
  );
  take();
  return frames;
}

/**
 * The sound of the first audio track as mono 16-bit samples at `rate` Hz (default 8000), or null when the segment
 * has no audio track.
 */
export async function decodeAudio(webm: Uint8Array, rate = 8000): Promise<Int16Array | null> {
  const chunks: Buffer[] = [];
  try {
    await run(['-loglevel', 'error', '-i', 'pipe:0', '-map', '0:a:0?', '-vn', '-ac', '1', '-ar', String(rate), '-f', 's16le', 'pipe:1'], webm, (c) => chunks.push(c));
  } catch (error) {
    if (error instanceof UndecodableSegmentError && /does not contain any stream/i.test(error.message)) return null;
    throw error;
  }
  const all = Buffer.concat(chunks);
  const samples = new Int16Array(Math.floor(all.length / 2));
  for (let i = 0; i < samples.length; i++) samples[i] = all.readInt16LE(i * 2);
  return samples;
}
