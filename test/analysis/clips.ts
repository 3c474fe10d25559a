import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { photo, webcamFrame } from '../faces/photos.js';

const run = promisify(execFile);

/** What a prepared clip shows: a picture (a JPEG, or a flat colour), kept still or with a webcam's noise; and its sound. */
export interface ClipSpec {
  readonly picture: Buffer | 'black';
  /** A webcam's sensor noise on every frame (default true); without it the picture is one frozen image. */
  readonly noise?: boolean;
  /** A tone at −10 dBFS (voices, for m2), silence, or no audio track at all. */
  readonly sound?: 'loud' | 'silent' | 'none';
  readonly seconds?: number;
}

/** The test-taker alone, two people side by side, and a room with nobody, each framed like a 640×480 webcam shot. */
export const pictures = {
  face: () => webcamFrame(photo.a),
  stranger: () => webcamFrame(photo.b),
  noFace: () => webcamFrame(photo.noFace),
  async twoFaces(): Promise<Buffer> {
    const portrait = (image: Buffer) => sharp(image).resize({ height: 300 }).toBuffer();
    return sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a8580' } })
      .composite([{ input: await portrait(photo.a), left: 80, top: 90 }, { input: await portrait(photo.b), left: 335, top: 90 }])
      .jpeg({ quality: 90 })
      .toBuffer();
  },
};

/**
 * Encodes a clip as the browser's recorder does (WebM, VP8, Opus), but small: 320×240 at 5 frames a second, so that
 * making one costs about a second of one core on a busy machine.
 */
export async function makeClip(spec: ClipSpec): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'clip-'));
  try {
    const seconds = String(spec.seconds ?? 10);
    const video = spec.picture === 'black'
      ? ['-f', 'lavfi', '-i', `color=c=black:s=320x240:r=5:d=${seconds}`]
      : (writeFileSync(join(dir, 'frame.jpg'), spec.picture), ['-loop', '1', '-framerate', '5', '-t', seconds, '-i', join(dir, 'frame.jpg')]);
    const sound = spec.sound ?? 'silent';
    const audio = sound === 'none' ? [] : ['-f', 'lavfi', '-i', sound === 'loud' ? `sine=frequency=440:sample_rate=48000:d=${seconds}` : `anullsrc=r=48000:cl=mono`];
    const filters = ['scale=320:240', spec.noise === false ? 'null' : 'noise=alls=12:allf=t', 'format=yuv420p'].join(',');
    const audioOut = sound === 'none' ? ['-an'] : ['-map', '1:a', '-af', sound === 'loud' ? 'volume=-7dB' : 'anull', '-c:a', 'libopus', '-b:a', '32k'];
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-threads', '1', ...video, ...audio, '-t', seconds, '-map', '0:v', '-vf', filters,
      '-c:v', 'libvpx', '-b:v', '150k', '-deadline', 'realtime', '-cpu-used', '8', ...audioOut, '-f', 'webm', join(dir, 'clip.webm'),
    ]);
    return readFileSync(join(dir, 'clip.webm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
