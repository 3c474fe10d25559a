import { describe, expect, it } from 'vitest';
import { computeScore } from '../../../../src/domain/session/score.js';
import { exampleScore, formulaText, thresholdText } from './formula.js';

describe('the score formula shown in the template editor', () => {
  it('names every metric that counts with its weight', () => {
    expect(formulaText(['c2', 'b2'], { c2: 2 })).toBe('score = 100 − (2·x(c2) + x(b2)), within 0–100');
    expect(formulaText([], {})).toBe('score = 100 (no metric counts)');
  });
  it('gives the example score the server computes for one metric in violation', () => {
    const server = computeScore({ metrics: ['c2', 'b2'], weights: { c2: 2 }, minutes: { 0: { c2: 30 } }, sessionMinutes: 1 });
    expect(exampleScore(['c2', 'b2'], { c2: 2 }, 'c2', 30)).toBe(server.score);
    expect(exampleScore(['c2'], { c2: 5 }, 'c2', 30)).toBe(0);
    expect(exampleScore(['b2'], {}, 'c2', 30)).toBe(100);
  });
  it('says who concludes and how the threshold decides', () => {
    expect(thresholdText(70, true)).toMatch(/^Concluded automatically.*below 70: negative/);
    expect(thresholdText(50, false)).toMatch(/^The proctor concludes/);
  });
});
