import { createHash } from 'node:crypto';
import type { Actor } from '../../domain/core/decider.js';
import { DomainError, ValidationError } from '../../domain/core/errors.js';
import { sessionDecider } from '../../domain/session/decide.js';
import { sessionStreamId } from '../../domain/session/events.js';
import { listAccounts } from '../../projections/accounts/projection.js';
import { existingSessionIds } from '../../projections/monitor/queries.js';
import type { Core } from '../core/core.js';
import { parseCsv } from '../csv/csv.js';
import { sessionData, type NewSession } from '../templates/create-session.js';
import { resolveTemplate, type Current } from '../templates/templates.js';

/** The most rows one import takes: the console's bulk limit, and what one request creates within a minute or two. */
export const MAX_SESSION_IMPORT_ROWS = 1_000;
/** The largest CSV text taken (about 500 characters a row). */
export const MAX_SESSION_IMPORT_CHARS = 500_000;
const COLUMNS = ['id', 'name', 'student', 'studentName', 'proctor', 'scheduledAt', 'duration'] as const;
type Column = (typeof COLUMNS)[number];
type Values = Record<Column, string>;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const SESSION_ID_CHARS = /[^A-Za-z0-9_.:-]+/g;

/** One row of a session import: `new` would be (or was) created, `done` was created by this row before, `bad` says why. */
export interface SessionImportRow {
  readonly line: number;
  readonly id: string;
  readonly name: string;
  readonly student: string;
  readonly proctor: string;
  readonly scheduledAt: string;
  readonly status: 'new' | 'done' | 'bad';
  readonly problem: string | null;
}

export interface SessionImportResult {
  readonly rows: readonly SessionImportRow[];
  /** True when the sessions were created (not a dry run, and no bad row). */
  readonly created: boolean;
}

type Checked = { row: SessionImportRow; input: NewSession | null; commandId: string };

/**
 * A session id for a row that names none: the template's, the test-taker's and the start's, so the same row names the
 * same session every time (and two sittings of one test-taker differ by their start).
 */
export function derivedSessionId(templateId: string, student: string, scheduledAt: Date | null): string {
  const start = scheduledAt ? `-${scheduledAt.toISOString().replace(/[-:]|\.\d{3}/g, '')}` : '';
  const id = `${templateId}-${student.toLowerCase()}${start}`.replace(SESSION_ID_CHARS, '_');
  return id.length <= 100 ? id : `${id.slice(0, 89)}-${createHash('sha256').update(id).digest('hex').slice(0, 10)}`;
}

/** The command creating a row's session: a retried import (same administrator, same row) names the same command. */
function rowCommandId(actor: Actor, templateId: string, input: NewSession): string {
  const key = [actor.id.toLowerCase(), templateId, input.sessionId, input.name, input.student.toLowerCase(), input.studentName ?? '',
    (input.proctor ?? '').toLowerCase(), input.scheduledAt?.toISOString() ?? '', input.durationMinutes ?? ''];
  return `import-session:${createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 40)}`;
}

/** Reads the CSV's rows by the header's column names (any order, any case; `student` required, no unknown ones). */
function rowsOf(csv: string): { line: number; values: Values; width: number; expected: number }[] {
  if (typeof csv !== 'string' || csv.length > MAX_SESSION_IMPORT_CHARS) throw new ValidationError(`the file is larger than ${MAX_SESSION_IMPORT_CHARS / 1000} kB; split it`);
  const records = parseCsv(csv, MAX_SESSION_IMPORT_ROWS + 1);
  if (records.length === 0) throw new ValidationError(`the file is empty; the first line names the columns: ${COLUMNS.join(',')}`);
  const header = records[0].fields.map((f) => f.trim().toLowerCase());
  const index = (c: Column) => header.indexOf(c.toLowerCase());
  const unknown = header.filter((h) => !COLUMNS.some((c) => c.toLowerCase() === h));
  if (index('student') < 0 || unknown.length) {
    const why = [index('student') < 0 ? 'missing student' : '', unknown.length ? `unknown ${unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(', ')}` : ''].filter(Boolean).join('; ');
    throw new ValidationError(`the first line names the columns, student required, from ${COLUMNS.join(', ')} (${why})`);
  }
  if (records.length === 1) throw new ValidationError('the file has a header but no rows');
  return records.slice(1).map((r) => {
    const values = Object.fromEntries(COLUMNS.map((c) => [c, index(c) < 0 ? '' : (r.fields[index(c)] ?? '').trim()])) as Values;
    return { line: r.line, values, width: r.fields.length, expected: header.length };
  });
}

/** The row as a new session from `template`, or why it cannot be one (its fields, then the session decider's own checks). */
async function inputOf(core: Core, actor: Actor, template: Current, v: Values, accounts: Map<string, { username: string; role: string; disabled: boolean }>): Promise<NewSession | string> {
  if (!v.student) return 'student is empty';
  const student = accounts.get(v.student.toLowerCase());
  if (!student) return `no account ${JSON.stringify(v.student.slice(0, 60))}`;
  if (student.role !== 'student' || student.disabled) return `${student.username} is not an active test-taker`;
  const proctor = v.proctor ? accounts.get(v.proctor.toLowerCase()) : null;
  if (v.proctor && !proctor) return `no account ${JSON.stringify(v.proctor.slice(0, 60))}`;
  if (proctor && (proctor.role !== 'proctor' || proctor.disabled)) return `${proctor.username} is not an active proctor`;
  const scheduledAt = v.scheduledAt ? new Date(v.scheduledAt) : null;
  if (scheduledAt && (!ISO_8601.test(v.scheduledAt) || Number.isNaN(scheduledAt.getTime()))) return `scheduledAt ${JSON.stringify(v.scheduledAt.slice(0, 40))} is not an ISO 8601 date and time (2026-12-01T09:00:00Z)`;
  if (v.duration && !/^\d{1,5}$/.test(v.duration)) return `duration ${JSON.stringify(v.duration.slice(0, 20))} is not a whole number of minutes`;
  const input: NewSession = {
    sessionId: v.id || derivedSessionId(template.templateId, student.username, scheduledAt), name: v.name || template.settings.name,
    student: student.username, studentName: v.studentName || null, proctor: proctor?.username ?? null, scheduledAt,
    durationMinutes: v.duration ? Number(v.duration) : null, template: template.templateId,
  };
  try {
    const data = await sessionData(core, input, template);
    sessionDecider.decide({ type: 'CreateSession', data, metadata: { now: core.now(), actor, commandId: 'check' } }, sessionDecider.initialState());
    return input;
  } catch (error) {
    if (error instanceof DomainError) return error.message;
    throw error;
  }
}

/** Every row checked against the others, the accounts and the sessions there are; nothing is written. */
async function checkRows(core: Core, actor: Actor, csv: string, template: Current): Promise<Checked[]> {
  const rows = rowsOf(csv);
  const accounts = new Map((await listAccounts(core.db)).map((a) => [a.username.toLowerCase(), a]));
  const checked: Checked[] = [];
  for (const { line, values, width, expected } of rows) {
    const made = width === expected ? await inputOf(core, actor, template, values, accounts) : `has ${width} fields; the header has ${expected}`;
    const input = typeof made === 'string' ? null : made;
    const row = { line, id: input?.sessionId ?? values.id, name: input?.name ?? values.name, student: input?.student ?? values.student,
      proctor: input?.proctor ?? values.proctor, scheduledAt: input?.scheduledAt?.toISOString() ?? values.scheduledAt };
    checked.push({ row: { ...row, status: input ? 'new' : 'bad', problem: typeof made === 'string' ? made : null }, input, commandId: input ? rowCommandId(actor, template.templateId, input) : '' });
  }
  await markTaken(core, checked);
  return checked;
}

/** Marks a row whose id another row has, or an existing session has (`done` when this very row created it). */
async function markTaken(core: Core, checked: Checked[]): Promise<void> {
  const existing = await existingSessionIds(core.db, checked.filter((c) => c.input).map((c) => c.input!.sessionId));
  const seen = new Map<string, number>();
  for (const c of checked) {
    if (!c.input) continue;
    const id = c.input.sessionId;
    const bad = (problem: string) => Object.assign(c, { row: { ...c.row, status: 'bad', problem }, input: null });
    if (seen.has(id)) bad(`session id ${id} is also on line ${seen.get(id)}`);
    else if (existing.has(id)) {
      const first = (await core.store.readStream(sessionStreamId(id), { limit: 1 }))[0];
      if (first?.metadata.commandId === c.commandId) c.row = { ...c.row, status: 'done' };
      else bad(`session id ${id} is taken`);
    }
    if (!seen.has(id)) seen.set(id, c.row.line);
  }
}

/**
 * Creates sessions from a CSV, each from `template` at its current version (its settings, unless the row gives a
 * duration): every row is checked first and, if any is bad, nothing is created; a dry run only checks. Sessions are
 * separate streams, so this is not one transaction: each row's command id is derived from the row, so the same import
 * run again after a failure half-way creates what is missing and nothing twice. Authorising the caller is the API's part.
 */
export async function importSessions(core: Core, actor: Actor, csv: string, templateRef: string, options: { dryRun: boolean }): Promise<SessionImportResult> {
  const template = await resolveTemplate(core, templateRef);
  const checked = await checkRows(core, actor, csv, template);
  const rows = checked.map((c) => c.row);
  if (options.dryRun || rows.some((r) => r.status === 'bad')) return { rows, created: false };
  const queue = checked.filter((c) => c.row.status === 'new');
  // A few at a time: each command waits for the read models, and one at a time would take long for 1,000 rows.
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      try {
        const data = await sessionData(core, c.input!, template);
        await core.session(c.input!.sessionId, 'CreateSession', data, actor, { commandId: c.commandId });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        throw new ValidationError(`line ${c.row.line} (${c.row.id}): ${error.message}; the rows before it may be created: import the same file again to finish`);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return { rows, created: true };
}
