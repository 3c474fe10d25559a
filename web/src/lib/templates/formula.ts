import { METRICS } from '../metrics.js';

/** One term of the score: a metric and its weight. */
export interface Term {
  readonly code: string;
  readonly weight: number;
  readonly description: string;
}

/** The terms of the score for these metrics, with weight 1 where none is set. */
export function terms(metrics: readonly string[], weights: Readonly<Record<string, number>>): Term[] {
  return metrics.map((code) => ({ code, weight: weights[code] ?? 1, description: METRICS[code]?.description ?? 'unknown metric' }));
}

/**
 * The formula as the protocol explains a score: 100 minus, for each metric, its weight times the share of the
 * session (0–100 %) it was in violation; kept within 0–100 (the server's `computeScore`).
 */
export function formulaText(metrics: readonly string[], weights: Readonly<Record<string, number>>): string {
  if (metrics.length === 0) return 'score = 100 (no metric counts)';
  const sum = terms(metrics, weights).map((t) => (t.weight === 1 ? `x(${t.code})` : `${t.weight}·x(${t.code})`)).join(' + ');
  return `score = 100 − (${sum}), within 0–100`;
}

/** What the threshold does: the conclusion the score leads to, and who draws it. */
export function thresholdText(threshold: number, autoConclude: boolean): string {
  const rule = `below ${threshold}: negative; ${threshold} or more: positive`;
  return autoConclude ? `Concluded automatically when the session ends (${rule}).` : `The proctor concludes; the score is advice (${rule}).`;
}

/** The score of a session in which `code` alone was in violation `share` % of the time. */
export function exampleScore(metrics: readonly string[], weights: Readonly<Record<string, number>>, code: string, share: number): number {
  if (!metrics.includes(code)) return 100;
  const score = 100 - (weights[code] ?? 1) * share;
  return Math.round(Math.min(100, Math.max(0, score)) * 100) / 100;
}
