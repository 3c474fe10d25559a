import type { MetricCode } from '../session/metrics.js';
import { identifier, MAX_INT4, wholeNumber } from '../core/fields.js';
import { DEFAULT_TEMPLATE, templateSettings, type TemplateSettings } from './settings.js';
import type { SessionTemplateRef } from './ref.js';

export type { SessionTemplateRef } from './ref.js';

/**
 * What the creator of one session may set instead of the template's value (absent or null: the template's). The
 * LMS signed link sets `metrics`, `weights` (per metric, over the template's) and `threshold`; the API, anything here.
 */
export interface SessionOverrides {
  readonly durationMinutes?: number | null;
  readonly metrics?: readonly MetricCode[] | null;
  readonly weights?: Partial<Record<MetricCode, number>> | null;
  readonly threshold?: number | null;
  readonly autoConclude?: boolean | null;
  readonly secondCamera?: boolean | null;
  readonly scoreVisibleToStudent?: boolean | null;
  readonly checkInBeforeMinutes?: number | null;
  readonly checkInAfterMinutes?: number | null;
}

/** A session's settings as a `CreateSession` takes them. */
export interface SessionSettings {
  readonly template: string;
  readonly durationMinutes: number;
  readonly metrics: readonly MetricCode[];
  readonly weights: Partial<Record<MetricCode, number>>;
  readonly threshold: number;
  readonly autoConclude: boolean;
  readonly secondCamera: boolean;
  readonly scoreVisibleToStudent: boolean;
  readonly checkInBeforeMinutes: number;
  readonly checkInAfterMinutes: number | null;
  readonly fromTemplate: SessionTemplateRef;
}

/** Metrics measured on the shared screen: a session without screen sharing cannot measure them, so does not count them. */
const SCREEN_METRICS: readonly MetricCode[] = ['s1', 's2'];

/** The settings of a session made from version `version` of template `templateId`, with the creator's overrides. */
export function sessionFromTemplate(templateId: string, version: number, t: TemplateSettings, o: SessionOverrides): SessionSettings {
  return {
    template: t.name,
    durationMinutes: o.durationMinutes ?? t.durationMinutes,
    metrics: (o.metrics ?? t.metrics).filter((code) => t.addons.screen || !SCREEN_METRICS.includes(code)),
    weights: { ...t.weights, ...(o.weights ?? {}) },
    threshold: o.threshold ?? t.threshold,
    autoConclude: o.autoConclude ?? t.autoConclude,
    secondCamera: o.secondCamera ?? t.addons.secondCamera,
    scoreVisibleToStudent: o.scoreVisibleToStudent ?? t.scoreVisibleToStudent,
    checkInBeforeMinutes: o.checkInBeforeMinutes ?? t.checkInBeforeMinutes,
    checkInAfterMinutes: o.checkInAfterMinutes ?? t.checkInAfterMinutes,
    fromTemplate: { templateId, version, stages: t.stages, addons: t.addons, rules: t.rules, retentionDays: t.retentionDays },
  };
}

/** The reference as a session accepts it: an id, a version from 1, flags that are flags, rules a read model holds. */
export function templateRef(ref: SessionTemplateRef): SessionTemplateRef {
  const checked = templateSettings({ ...DEFAULT_TEMPLATE, stages: ref.stages, addons: ref.addons, rules: ref.rules, retentionDays: ref.retentionDays });
  return {
    templateId: identifier(ref.templateId, 'template id'),
    version: wholeNumber(ref.version, 'template version', 1, MAX_INT4),
    stages: checked.stages,
    addons: checked.addons,
    rules: checked.rules,
    retentionDays: checked.retentionDays,
  };
}
