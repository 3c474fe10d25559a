import type { MetricCode, MetricValues } from './metrics.js';

export interface ScoreInput {
  readonly metrics: readonly MetricCode[];
  readonly weights: Readonly<Partial<Record<MetricCode, number>>>;
  /** Recorded per-minute values (share of the minute in violation, 0–100). */
  readonly minutes: Readonly<Record<number, MetricValues>>;
  /** Session time in minutes; minutes with no sample count as clean. At least the number of recorded minutes. */
  readonly sessionMinutes: number;
  /**
   * Violation time known as spans rather than per-minute samples (c5, c6 from face checks), in milliseconds: added to
   * the metric's share.
   */
  readonly violatedMs?: Readonly<Partial<Record<MetricCode, number>>>;
}

export interface Score {
  readonly score: number;
  readonly minutes: number;
  readonly breakdown: { code: MetricCode; share: number; weight: number; contribution: number }[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Milliseconds of [from, to) covered by `spans` (open spans end at `to`).
 */
export function coveredMs(spans: ReadonlyArray<{ from: string; to: string | null }>, from: number, to: number): number {
  let total = 0;
  for (const s of spans) {
    const a = Math.max(from, Date.parse(s.from));
    const b = Math.min(to, s.to ? Date.parse(s.to) : to);
    if (b > a) total += b - a;
  }
  return total;
}

/**
 * Credibility: x_k = share of session time (0–100) metric k was in violation, w_k its weight (default 1),
 * score = 100 − Σ w_k·x_k, clamped to 0–100.
 */
export function computeScore(input: ScoreInput): Score {
  const recorded = Object.keys(input.minutes).map(Number);
  const minutes = Math.max(input.sessionMinutes, recorded.length ? Math.max(...recorded) + 1 : 0, 1);
  const breakdown = input.metrics.map((code) => {
    let sum = 0;
    for (const values of Object.values(input.minutes)) sum += values[code] ?? 0;
    const share = Math.min(100, sum / minutes + ((input.violatedMs?.[code] ?? 0) / (minutes * 60_000)) * 100);
    const weight = input.weights[code] ?? 1;
    return { code, share: round2(share), weight, contribution: round2(share * weight) };
  });
  const total = breakdown.reduce((acc, b) => acc + b.contribution, 0);
  return { score: round2(Math.min(100, Math.max(0, 100 - total))), minutes, breakdown };
}
