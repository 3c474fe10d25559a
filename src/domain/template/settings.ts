import { ValidationError } from '../core/errors.js';
import { optionalText, text, wholeNumber } from '../core/fields.js';
import { DEFAULT_CHECK_IN_BEFORE_MINUTES, MAX_CHECK_IN_MINUTES } from '../session/check-in.js';
import { isMetricCode, METRIC_CODES, type MetricCode } from '../session/metrics.js';
import type { TemplateAddons, TemplateStages } from './ref.js';

export type { TemplateAddons, TemplateStages } from './ref.js';

/** Everything an exam's sessions share; one version of a template. */
export interface TemplateSettings {
  readonly name: string;
  readonly metrics: readonly MetricCode[];
  readonly weights: Readonly<Partial<Record<MetricCode, number>>>;
  readonly threshold: number;
  readonly autoConclude: boolean;
  /** The rules the test-taker reads and accepts before the exam; null: none shown. */
  readonly rules: string | null;
  readonly stages: TemplateStages;
  readonly addons: TemplateAddons;
  readonly checkInBeforeMinutes: number;
  /** Null: check-in stays open for the session's duration. */
  readonly checkInAfterMinutes: number | null;
  readonly durationMinutes: number;
  readonly scoreVisibleToStudent: boolean;
  /** How long its sessions' recordings are kept. */
  readonly retentionDays: number;
}

export const STAGE_KEYS: readonly (keyof TemplateStages)[] = ['compatibilityCheck', 'facePhoto', 'idPhoto', 'proctorApproval'];
export const ADDON_KEYS: readonly (keyof TemplateAddons)[] = ['screen', 'secondCamera', 'chat', 'calls', 'contentProtection'];
export const MAX_RULES = 20_000;
export const MAX_RETENTION_DAYS = 3650;
export const MAX_TEMPLATE_NAME = 200;

/**
 * The template every installation starts with, the same settings a session gets when none is named: every metric
 * at weight 1, the conclusion left to the proctor at a threshold of 50, the browser check and a face photo before
 * a camera-and-screen exam with chat, check-in from 15 minutes before the start, 60 minutes, recordings kept 90 days.
 */
export const DEFAULT_TEMPLATE: TemplateSettings = {
  name: 'Default',
  metrics: [...METRIC_CODES],
  weights: {},
  threshold: 50,
  autoConclude: false,
  rules: 'Stay alone in the room with your face in the camera. No phones, notes or other people. Do not leave the exam page until you finish.',
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: false, proctorApproval: false },
  addons: { screen: true, secondCamera: false, chat: true, calls: false, contentProtection: false },
  checkInBeforeMinutes: DEFAULT_CHECK_IN_BEFORE_MINUTES,
  checkInAfterMinutes: null,
  durationMinutes: 60,
  scoreVisibleToStudent: false,
  retentionDays: 90,
};

/** Metric codes, each known, without repeats, in the order given. */
export function metricList(list: readonly string[]): MetricCode[] {
  if (!Array.isArray(list)) throw new ValidationError('metrics must be a list of metric codes', { field: 'metrics' });
  const unknown = list.filter((c) => typeof c !== 'string' || !isMetricCode(c));
  if (unknown.length) throw new ValidationError(`unknown metric ${unknown.map(String).join(', ').slice(0, 200)}; known: ${METRIC_CODES.join(' ')}`, { field: 'metrics' });
  return [...new Set(list as MetricCode[])];
}

/** Weights of known metrics, each a number from 0 to 100. */
export function weightList(given: Readonly<Record<string, unknown>>): Partial<Record<MetricCode, number>> {
  const weights: Partial<Record<MetricCode, number>> = {};
  for (const [code, weight] of Object.entries(given ?? {})) {
    if (!isMetricCode(code)) throw new ValidationError(`weight given for unknown metric ${code.slice(0, 40)}`, { field: 'weights' });
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
      throw new ValidationError(`weight of ${code} must be a number from 0 to 100`, { field: 'weights' });
    }
    weights[code] = weight;
  }
  return weights;
}

export function thresholdOf(value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) throw new ValidationError('threshold must be from 0 to 100', { field: 'threshold' });
  return value;
}

function yesNo(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(`${what} must be yes or no`, { field: what });
  return value;
}

function flags<K extends string>(given: Readonly<Record<K, unknown>>, keys: readonly K[], what: string): Record<K, boolean> {
  if (typeof given !== 'object' || given === null) throw new ValidationError(`${what} must be given`, { field: what });
  const out = {} as Record<K, boolean>;
  for (const key of keys) out[key] = yesNo(given[key], `${what}.${key}`);
  return out;
}

/** The settings as the domain accepts them: trimmed, bounded, every flag a boolean, every number in its column's range. */
export function templateSettings(s: TemplateSettings): TemplateSettings {
  return {
    name: text(s.name, 'template name', MAX_TEMPLATE_NAME),
    metrics: metricList(s.metrics),
    weights: weightList(s.weights),
    threshold: thresholdOf(s.threshold),
    autoConclude: yesNo(s.autoConclude, 'auto-conclusion'),
    rules: optionalText(s.rules, 'rules', MAX_RULES, { multiline: true }),
    stages: flags(s.stages, STAGE_KEYS, 'stages'),
    addons: flags(s.addons, ADDON_KEYS, 'addons'),
    checkInBeforeMinutes: wholeNumber(s.checkInBeforeMinutes, 'check-in before the start (minutes)', 0, MAX_CHECK_IN_MINUTES),
    checkInAfterMinutes: s.checkInAfterMinutes == null ? null : wholeNumber(s.checkInAfterMinutes, 'check-in after the start (minutes)', 0, MAX_CHECK_IN_MINUTES),
    durationMinutes: wholeNumber(s.durationMinutes, 'duration (minutes)', 1, 24 * 60),
    scoreVisibleToStudent: yesNo(s.scoreVisibleToStudent, 'score visible to the test-taker'),
    retentionDays: wholeNumber(s.retentionDays, 'recordings retention (days)', 1, MAX_RETENTION_DAYS),
  };
}

/** Same settings, whatever the order of keys. */
export function sameSettings(a: TemplateSettings, b: TemplateSettings): boolean {
  const canonical = (s: TemplateSettings) => JSON.stringify([
    s.name, s.metrics, Object.entries(s.weights).sort(([x], [y]) => x.localeCompare(y)), s.threshold, s.autoConclude, s.rules,
    STAGE_KEYS.map((k) => s.stages[k]), ADDON_KEYS.map((k) => s.addons[k]), s.checkInBeforeMinutes, s.checkInAfterMinutes, s.durationMinutes,
    s.scoreVisibleToStudent, s.retentionDays,
  ]);
  return canonical(a) === canonical(b);
}
