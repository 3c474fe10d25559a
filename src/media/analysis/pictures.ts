import type { Frame } from './ffmpeg.js';

/** Below this mean luminance (0–255) the camera shows nothing usable: covered, or in the dark. */
export const DARK_LUMA = 40;
/** Below this spread of luminance the picture is one flat colour: a lens covered by a finger or paper. */
export const FLAT_LUMA_SD = 8;
/** Consecutive frames differing by less than this on average (0–255 per channel) are the same picture. */
export const FROZEN_MAD = 0.5;
/** Seconds the picture must stay the same to be frozen: a person sitting still still moves within this. */
export const FROZEN_SECONDS = 5;

/** Mean and standard deviation of a frame's luminance (Rec. 601), on a sample of its pixels. */
export function luminance(frame: Frame): { mean: number; sd: number } {
  const { rgb } = frame;
  let sum = 0;
  let squares = 0;
  let n = 0;
  // Every other pixel of every other row: enough for an average, a quarter of the work.
  for (let y = 0; y < frame.height; y += 2) {
    for (let x = 0; x < frame.width; x += 2) {
      const i = (y * frame.width + x) * 3;
      const l = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
      sum += l;
      squares += l * l;
      n += 1;
    }
  }
  if (n === 0) return { mean: 0, sd: 0 };
  const mean = sum / n;
  return { mean, sd: Math.sqrt(Math.max(0, squares / n - mean * mean)) };
}

/** Dark or covered: too little light, or no picture to speak of. */
export function isDark(frame: Frame): boolean {
  const { mean, sd } = luminance(frame);
  return mean < DARK_LUMA || sd < FLAT_LUMA_SD;
}

/** Mean absolute difference of two frames of one size, per channel value (0–255). */
export function meanAbsoluteDifference(a: Frame, b: Frame): number {
  if (a.rgb.length !== b.rgb.length) return 255;
  let sum = 0;
  for (let i = 0; i < a.rgb.length; i++) sum += Math.abs(a.rgb[i] - b.rgb[i]);
  return a.rgb.length ? sum / a.rgb.length : 0;
}

/**
 * Which frames belong to a frozen span: a run of at least `FROZEN_SECONDS` frames (one a second), each within
 * `FROZEN_MAD` of the one before. Dark frames are left to `isDark` (a covered lens is also a still picture).
 */
export function frozenFrames(frames: readonly Frame[], dark: readonly boolean[]): boolean[] {
  const frozen = frames.map(() => false);
  let runStart = 0;
  const close = (end: number) => {
    if (end - runStart >= FROZEN_SECONDS) for (let i = runStart; i < end; i++) frozen[i] = true;
  };
  for (let i = 1; i <= frames.length; i++) {
    const same = i < frames.length && !dark[i] && !dark[i - 1] && meanAbsoluteDifference(frames[i - 1], frames[i]) < FROZEN_MAD;
    if (!same) {
      close(i);
      runStart = i;
    }
  }
  return frozen;
}
