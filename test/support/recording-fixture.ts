import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const HAS_FFMPEG = existsSync('/usr/bin/ffmpeg');

/** Frames per second of the fixture video; every frame carries its own session time in tenths of a second. */
export const FIXTURE_FPS = 10;
export const FIXTURE_SIZE = { width: 192, height: 144 } as const;
/** The code strip: three bands 64 px wide and 32 px high at the top, each a base-32 digit of the frame's number. */
export const CODE_BANDS = { y: 16, xs: [32, 96, 160], step: 7 } as const;

export interface FixtureSegment {
  readonly track: 'camera' | 'screen' | 'mobile';
  readonly seq: number;
  readonly start: Date;
  readonly durationMs: number;
  readonly file: string;
  /** The codecs the file holds (what a player must expect). */
  readonly codecs: 'vp8,opus' | 'vp8';
}

export interface StretchOptions {
  dir: string;
  track: FixtureSegment['track'];
  /** The session start: the code in each frame is its time from here. */
  sessionStart: Date;
  /** Seconds from the session start, multiples of 0.1. */
  from: number;
  to: number;
  segmentS: number;
  firstSeq: number;
  audio: boolean;
  /**
   * `live`: as Chromium's MediaRecorder writes (no Cues, sizes unknown); otherwise as ffmpeg writes a file (Cues,
   * sizes known), which is how janus mode makes its segments.
   */
  live: boolean;
  /** Every n-th segment's frames stop 0.6 s before its stated end (a still screen sends no frames). */
  frozenTailEvery?: number;
}

/**
 * Encodes one stretch of a track as self-contained WebM segments with ffmpeg: a test pattern under a strip that
 * encodes the frame's session time (frame number at 10 fps as three base-32 digits in grey levels), so a player
 * can be checked by what it shows, and a tone on the camera. Each segment starts with a key frame at its start.
 */
export async function encodeStretch(o: StretchOptions): Promise<FixtureSegment[]> {
  const seconds = Math.round((o.to - o.from) * FIXTURE_FPS) / FIXTURE_FPS;
  const offset = Math.round(o.from * FIXTURE_FPS);
  const prefix = `${o.track}-${o.firstSeq}-`;
  const code = `geq=lum='16+${CODE_BANDS.step}*mod(floor((N+${offset})/pow(32,floor(X/2))),32)':cb=128:cr=128,scale=${FIXTURE_SIZE.width}:32:flags=neighbor`;
  const tail = o.frozenTailEvery
    ? `,select='not(between(mod(t,${o.segmentS}),${o.segmentS - 0.6},${o.segmentS})*eq(mod(floor(t/${o.segmentS}),${o.frozenTailEvery}),0))'`
    : '';
  const args = [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${FIXTURE_SIZE.width}x${FIXTURE_SIZE.height - 32}:rate=${FIXTURE_FPS}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `color=c=gray:size=6x2:rate=${FIXTURE_FPS}:duration=${seconds}`,
    ...(o.audio ? ['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${seconds}`] : []),
    '-filter_complex', `[1]${code}[c];[c][0]vstack=inputs=2,format=yuv420p${tail}[v]`,
    '-map', '[v]', ...(o.audio ? ['-map', '2:a', '-c:a', 'libopus', '-b:a', '24k'] : []),
    '-fps_mode', 'passthrough', '-c:v', 'libvpx', '-threads', '1', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '120k',
    '-force_key_frames', `expr:gte(t,n_forced*${o.segmentS})`,
    '-f', 'segment', '-segment_time', String(o.segmentS), '-segment_format', 'webm', '-reset_timestamps', '1',
    ...(o.live ? ['-segment_format_options', 'live=1'] : []),
    '-segment_list', join(o.dir, `${prefix}list.csv`), '-segment_list_type', 'csv',
    join(o.dir, `${prefix}%05d.webm`),
  ];
  // Niced, one thread each: the fixture is made while another test file runs in the other worker, and nine encoders
  // at full priority starved a browser test there (once, its login page did not draw within 30 s).
  await run('nice', ['-n', '15', 'ffmpeg', ...args], { maxBuffer: 16 * 1024 * 1024 });
  const files = readFileSync(join(o.dir, `${prefix}list.csv`), 'utf8').trim().split('\n').map((line) => line.split(',')[0]);
  return files.map((name, i) => {
    const from = o.from + i * o.segmentS;
    return {
      track: o.track,
      seq: o.firstSeq + i,
      // The segment muxer cuts at the forced key frames: each file's time 0 is exactly here.
      start: new Date(o.sessionStart.getTime() + Math.round(from * 1000)),
      // Stated as a recorder states it: the time it ran, whether or not frames came until the end.
      durationMs: Math.round(Math.min(o.segmentS, o.to - from) * 1000),
      file: join(o.dir, name),
      codecs: o.audio ? 'vp8,opus' : 'vp8',
    };
  });
}

/** The frame number a code strip's grey levels say (R channel of the decoded picture, limited-range luma). */
export function decodeCode(reds: readonly number[], step: number = CODE_BANDS.step): number {
  const digits = reds.map((r) => Math.round(r / ((step * 255) / 219)));
  return digits[0] + 32 * digits[1] + 1024 * digits[2];
}
