import { describe, expect, it } from 'vitest';
import { computeScore, coveredMs } from './score.js';

describe('the credibility score', () => {
  it('is 100 for a clean session', () => {
    expect(computeScore({ metrics: ['c2', 'b2'], weights: {}, minutes: { 0: { c2: 0 }, 1: {} }, sessionMinutes: 2 }).score).toBe(100);
  });

  it('takes off each metric\'s share of session time, times its weight', () => {
    // 10 minutes; c2 in violation 50% of minutes 0–3 → share 20; weight 2 → 40. b2 30% in minute 5 → share 3 → 3.
    const result = computeScore({ metrics: ['c2', 'b2'], weights: { c2: 2 }, minutes: { 0: { c2: 50 }, 1: { c2: 50 }, 2: { c2: 50 }, 3: { c2: 50 }, 5: { b2: 30 } }, sessionMinutes: 10 });
    expect(result).toEqual({
      score: 57,
      minutes: 10,
      breakdown: [
        { code: 'c2', share: 20, weight: 2, contribution: 40 },
        { code: 'b2', share: 3, weight: 1, contribution: 3 },
      ],
    });
  });

  it('counts minutes without samples as clean, and never fewer minutes than were recorded', () => {
    expect(computeScore({ metrics: ['c2'], weights: {}, minutes: { 0: { c2: 100 } }, sessionMinutes: 4 }).score).toBe(75);
    expect(computeScore({ metrics: ['c2'], weights: {}, minutes: { 0: { c2: 100 }, 3: { c2: 100 } }, sessionMinutes: 1 }).minutes).toBe(4);
  });

  it('is clamped to 0 when weighted violations exceed 100', () => {
    expect(computeScore({ metrics: ['c2', 'c3'], weights: { c2: 5, c3: 5 }, minutes: { 0: { c2: 100, c3: 100 } }, sessionMinutes: 1 }).score).toBe(0);
  });

  it('ignores a metric the session does not use', () => {
    expect(computeScore({ metrics: ['c2'], weights: {}, minutes: { 0: { b2: 100 } }, sessionMinutes: 1 }).score).toBe(100);
  });

  it('adds violation time known as spans (face checks) to the share', () => {
    const result = computeScore({ metrics: ['c6'], weights: {}, minutes: {}, sessionMinutes: 10, violatedMs: { c6: 3 * 60_000 } });
    expect(result.breakdown).toEqual([{ code: 'c6', share: 30, weight: 1, contribution: 30 }]);
    expect(computeScore({ metrics: ['c6'], weights: {}, minutes: { 0: { c6: 100 } }, sessionMinutes: 1, violatedMs: { c6: 60_000 } }).breakdown[0].share).toBe(100);
  });

  it('measures the spans within the session only', () => {
    const t = (m: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + m * 60_000).toISOString();
    expect(coveredMs([{ from: t(-5), to: t(2) }, { from: t(8), to: null }], Date.parse(t(0)), Date.parse(t(10)))).toBe(4 * 60_000);
  });

  it('lets a weight of 0 switch a metric off', () => {
    expect(computeScore({ metrics: ['m2'], weights: { m2: 0 }, minutes: { 0: { m2: 100 } }, sessionMinutes: 1 }).score).toBe(100);
  });
});
