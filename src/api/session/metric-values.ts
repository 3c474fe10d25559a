import { ValidationError } from '../../domain/core/errors.js';
import type { MetricCode } from '../../domain/session/metrics.js';
import type { MetricValueInput } from './session.inputs.js';

/** `[{ code, value }]` as a record; the domain checks the codes and values, a code given twice is refused here. */
export function metricValues(values: readonly MetricValueInput[]): Partial<Record<MetricCode, number>> {
  if (!Array.isArray(values)) throw new ValidationError('weights must be a list of { code, value }');
  const out: Record<string, number> = {};
  for (const { code, value } of values) {
    if (Object.hasOwn(out, code)) throw new ValidationError(`metric ${code} is given twice`);
    out[code] = value;
  }
  return out as Partial<Record<MetricCode, number>>;
}
