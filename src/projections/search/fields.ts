import { METRIC_CODES, METRIC_DESCRIPTIONS, type MetricCode } from '../../domain/session/metrics.js';
import type { MonitorRow } from '../monitor/row.js';

/** The value types a search field can hold. `text[]` is the tags array. */
export type FieldType = 'text' | 'number' | 'date' | 'boolean' | 'text[]';

export interface FieldDef {
  /** Canonical name, as typed in a search and shown in the data export dialog. */
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** Column of `monitor_sessions`. The only source of identifiers in compiled SQL. */
  readonly column: string;
  /** SQL type of the column, used to cast bound parameters so indexes stay usable. */
  readonly sqlType: 'text' | 'integer' | 'double precision' | 'timestamptz' | 'boolean' | 'text[]';
  /** The field's value in a live row; `null` when absent. */
  readonly get: (row: MonitorRow) => string | number | boolean | Date | readonly string[] | null;
}

const text = (name: string, column: string, description: string, get: FieldDef['get']): FieldDef => ({
  name, type: 'text', sqlType: 'text', column, description, get,
});
const date = (name: string, column: string, description: string, get: FieldDef['get']): FieldDef => ({
  name, type: 'date', sqlType: 'timestamptz', column, description, get,
});

const average = (code: MetricCode): FieldDef => ({
  name: `averages.${code}`,
  type: 'number',
  sqlType: 'double precision',
  column: `avg_${code}`,
  description: `Average share of minutes (0–100) with "${METRIC_DESCRIPTIONS[code]}"`,
  get: (row) => row.averages[code] ?? null,
});

/** Every searchable field, in the order of the data export dialog. */
export const FIELDS: readonly FieldDef[] = [
  text('session', 'session_id', 'Session identifier', (r) => r.sessionId),
  text('name', 'name', 'Session name', (r) => r.name),
  text('student', 'student', 'Test-taker login', (r) => r.student),
  text('studentName', 'student_name', 'Test-taker full name', (r) => r.studentName),
  text('proctor', 'proctor', 'Proctor login', (r) => r.proctor),
  text('status', 'status', 'Session status (scheduled, waiting, in_progress, paused, finished, concluded, cancelled)', (r) => r.status),
  date('date', 'date', 'Actual start, else planned start, else creation time', (r) => r.date),
  date('createdAt', 'created_at', 'Creation time', (r) => r.createdAt),
  date('scheduledAt', 'scheduled_at', 'Planned start', (r) => r.scheduledAt),
  date('startedAt', 'started_at', 'Actual start', (r) => r.startedAt),
  date('stoppedAt', 'stopped_at', 'End time', (r) => r.stoppedAt),
  { name: 'duration', type: 'number', sqlType: 'integer', column: 'duration', description: 'Planned duration in minutes', get: (r) => r.duration },
  { name: 'score', type: 'number', sqlType: 'double precision', column: 'score', description: 'Credibility score (0–100)', get: (r) => r.score },
  text('conclusion', 'conclusion', "Proctor's conclusion (positive, negative)", (r) => r.conclusion),
  text('comment', 'comment', "Proctor's comment", (r) => r.comment),
  text('template', 'template', 'Template the session was created from', (r) => r.template),
  { name: 'tags', type: 'text[]', sqlType: 'text[]', column: 'tags', description: 'Tags (= means one of the tags is the value)', get: (r) => r.tags ?? null },
  text('url', 'url', 'Address of the test content in the LMS', (r) => r.url),
  text('createdBy', 'created_by', 'Who created the session', (r) => r.createdBy),
  { name: 'blocked', type: 'boolean', sqlType: 'boolean', column: 'blocked', description: 'An incident blocks the test content (true, false)', get: (r) => r.blocked },
  text('finishedBy', 'finished_by', 'Who finished the session (student, proctor, timeout, admin)', (r) => r.finishedBy),
  text('committee.status', 'committee_status', "Examination committee's review (none, open, closed)", (r) => r.committeeStatus),
  text('committee.decision', 'committee_decision', "Examination committee's decision on the conclusion (upheld, overturned)", (r) => r.committeeDecision),
  ...METRIC_CODES.map(average),
];

/** The field list of the data export dialog. */
export const EXPORT_FIELDS: readonly { name: string; type: FieldType; description: string }[] = FIELDS.map(
  ({ name, type, description }) => ({ name, type, description }),
);

const byLowerName = new Map(FIELDS.map((f) => [f.name.toLowerCase(), f]));

/** Field names are case-insensitive. */
export function findField(name: string): FieldDef | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** The field the canonical `name` denotes; throws on a name the parser could not have produced. */
export function fieldDef(name: string): FieldDef {
  const def = byLowerName.get(name.toLowerCase());
  if (!def) throw new Error(`not a search field: ${name}`);
  return def;
}

/** Free text matches these fields: session id, session name, test-taker login and proctor login. */
export const FREE_TEXT_FIELDS: readonly FieldDef[] = ['session', 'name', 'student', 'proctor'].map(fieldDef);

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The field name nearest to a misspelt one, if it is close enough to be a plausible typo. */
export function nearestField(name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const f of FIELDS) {
    const distance = editDistance(lower, f.name.toLowerCase());
    if (!best || distance < best.distance) best = { name: f.name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(lower.length / 3)) ? best.name : undefined;
}
