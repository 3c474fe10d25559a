/** A tenth of a second louder than this (dBFS RMS) is voice or noise; a quiet room stays well below (≈ −55 dBFS). */
export const LOUD_DB = -35;
/** Tenths of a second that must be loud for the second to count: one click or knock is not a conversation. */
export const LOUD_TENTHS = 3;
/** The level given to digital silence, which has no logarithm. */
const FLOOR_DB = -120;

/** RMS level in dBFS of `samples[from, to)`. */
function level(samples: Int16Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  const n = to - from;
  if (n <= 0 || sum === 0) return FLOOR_DB;
  return Math.max(FLOOR_DB, 20 * Math.log10(Math.sqrt(sum / n) / 32768));
}

/** Per whole or partial second of mono samples at `rate` Hz: its RMS level, and whether it is loud enough for m2. */
export function soundLevels(samples: Int16Array, rate: number): Array<{ db: number; loud: boolean }> {
  const out: Array<{ db: number; loud: boolean }> = [];
  const tenth = Math.max(1, Math.round(rate / 10));
  for (let start = 0; start < samples.length; start += rate) {
    const end = Math.min(samples.length, start + rate);
    let loudTenths = 0;
    for (let t = start; t < end; t += tenth) if (level(samples, t, Math.min(end, t + tenth)) > LOUD_DB) loudTenths += 1;
    out.push({ db: Math.round(level(samples, start, end) * 10) / 10, loud: loudTenths >= LOUD_TENTHS });
  }
  return out;
}
