import { createHash } from 'node:crypto';
import { accountDecider, accountStreamId, type AccountRole } from '../../domain/account/account.js';
import type { Actor } from '../../domain/core/decider.js';
import { DomainError, ValidationError } from '../../domain/core/errors.js';
import { listAccounts } from '../../projections/accounts/projection.js';
import type { Core } from '../core/core.js';
import { parseCsv, type CsvRecord } from '../csv/csv.js';
import { issuePasswordLink, type IssuedPasswordLink } from './password-links.js';
import { NO_PASSWORD } from './passwords.js';

/** The most rows one import takes: a school's intake, and what one request can create within a few minutes. */
export const MAX_IMPORT_ROWS = 5_000;
/** The largest CSV text taken (about 200 characters a row). */
export const MAX_IMPORT_CHARS = 1_000_000;
const COLUMNS = ['username', 'name', 'email', 'role'] as const;
const EMAIL = /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[^\s@"<>,;]+$/;

/**
 * One row of an import: `new` would be created, `done` was created by this same row before (a retried import), `bad`
 * says why in `problem`.
 */
export interface ImportRow {
  readonly line: number;
  readonly username: string;
  readonly name: string;
  readonly email: string;
  readonly role: string;
  readonly status: 'new' | 'done' | 'bad';
  readonly problem: string | null;
}

export interface ImportResult {
  readonly rows: readonly ImportRow[];
  /** True when the accounts were created (not a dry run, and no bad row). */
  readonly created: boolean;
  /** A set-password link for each account created here (or by an earlier run of this import) without a password yet. */
  readonly links: readonly IssuedPasswordLink[];
}

/**
 * The command id registering one row: the same administrator importing the same person again (a retry after a
 * failure half-way, a corrected file) names the same command, which the account stream then recognises as done.
 */
export function rowCommandId(actor: Actor, row: { username: string; role: string; name: string }): string {
  const h = createHash('sha256').update(JSON.stringify([actor.id.toLowerCase(), row.username.toLowerCase(), row.role, row.name.trim()])).digest('hex');
  return `import:${h.slice(0, 40)}`;
}

/** Reads the CSV's rows by the header's column names (any order; every one of `COLUMNS` present, no others). */
function rowsOf(csv: string): { line: number; values: Record<(typeof COLUMNS)[number], string>; width: number; expected: number }[] {
  if (typeof csv !== 'string' || csv.length > MAX_IMPORT_CHARS) throw new ValidationError(`the file is larger than ${MAX_IMPORT_CHARS / 1_000_000} MB; split it`);
  const records: CsvRecord[] = parseCsv(csv, MAX_IMPORT_ROWS + 1);
  if (records.length === 0) throw new ValidationError('the file is empty; the first line names the columns: username,name,email,role');
  const header = records[0].fields.map((f) => f.trim().toLowerCase());
  const missing = COLUMNS.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (missing.length || unknown.length) {
    const why = [missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unknown ${unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(', ')}` : ''].filter(Boolean).join('; ');
    throw new ValidationError(`the first line must name the columns username, name, email, role (${why})`);
  }
  if (records.length === 1) throw new ValidationError('the file has a header but no rows');
  return records.slice(1).map((r) => {
    const at = (c: (typeof COLUMNS)[number]) => (r.fields[header.indexOf(c)] ?? '').trim();
    return { line: r.line, values: { username: at('username'), name: at('name'), email: at('email'), role: at('role').toLowerCase() }, width: r.fields.length, expected: header.length };
  });
}

/** Why a row cannot be created by itself (the decider's own checks, and the email's), or null. */
function problemOf(v: Record<(typeof COLUMNS)[number], string>, width: number, expected: number, actor: Actor, now: Date): string | null {
  if (width !== expected) return `has ${width} fields; the header has ${expected}`;
  if (!v.username) return 'username is empty';
  if (v.email) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v.email)) return 'email contains control characters';
    if (v.email.length > 254) return `email is ${v.email.length} characters long; the limit is 254`;
    if (!EMAIL.test(v.email)) return `email ${JSON.stringify(v.email.slice(0, 80))} is not an email address`;
  }
  try {
    const data = { username: v.username, role: v.role as AccountRole, displayName: v.name || undefined, passwordHash: NO_PASSWORD };
    accountDecider.decide({ type: 'RegisterAccount', data, metadata: { now, actor, commandId: 'check' } }, accountDecider.initialState());
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.message;
    throw error;
  }
}

/** Every row checked against the others and against existing accounts; nothing is written. */
async function checkRows(core: Core, actor: Actor, csv: string): Promise<ImportRow[]> {
  const rows = rowsOf(csv);
  const existing = new Set((await listAccounts(core.db)).map((a) => a.username.toLowerCase()));
  const seen = new Map<string, number>();
  const checked: ImportRow[] = [];
  for (const { line, values, width, expected } of rows) {
    const key = values.username.toLowerCase();
    let problem = problemOf(values, width, expected, actor, core.now());
    let status: ImportRow['status'] = 'new';
    if (!problem && seen.has(key)) problem = `username ${values.username} is also on line ${seen.get(key)}`;
    if (!problem && existing.has(key)) {
      const first = (await core.store.readStream(accountStreamId(key)))[0];
      if (first?.metadata.commandId === rowCommandId(actor, values)) status = 'done';
      else problem = `username ${values.username} is taken`;
    }
    if (!seen.has(key) && values.username) seen.set(key, line);
    checked.push({ line, ...values, status: problem ? 'bad' : status, problem });
  }
  return checked;
}

/**
 * Creates accounts from a CSV (columns username, name, email, role): every row is checked first and, if any is bad,
 * nothing is created. A dry run only checks. Accounts are separate streams, so creating them is not one transaction:
 * each row's command id is derived from the row (see `rowCommandId`), so running the same import again after a
 * failure half-way creates what is missing and nothing twice. Each account created without a password gets a
 * one-time set-password link (the email column is checked but not kept: accounts hold no email).
 */
export async function importAccounts(core: Core, actor: Actor, csv: string, options: { dryRun: boolean; publicUrl: string }): Promise<ImportResult> {
  const rows = await checkRows(core, actor, csv);
  if (options.dryRun || rows.some((r) => r.status === 'bad')) return { rows, created: false, links: [] };
  const links: IssuedPasswordLink[] = [];
  const queue = [...rows];
  // A few at a time: each command waits for the read models, and one at a time would take minutes for 5,000 rows.
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      const link = await createRow(core, actor, row, options.publicUrl);
      if (link) links.push(link);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const order = new Map(rows.map((r, i) => [r.username.toLowerCase(), i]));
  links.sort((a, b) => order.get(a.username.toLowerCase())! - order.get(b.username.toLowerCase())!);
  return { rows, created: true, links };
}

/** Registers one row (a no-op when this row did before) and opens its set-password link unless it has a password. */
async function createRow(core: Core, actor: Actor, row: ImportRow, publicUrl: string): Promise<IssuedPasswordLink | null> {
  const data = { username: row.username, role: row.role as AccountRole, displayName: row.name || undefined, passwordHash: NO_PASSWORD };
  try {
    const account = await core.account(row.username, 'RegisterAccount', data, actor, { commandId: rowCommandId(actor, row) });
    if (account.status !== 'active' || account.passwordHash !== NO_PASSWORD) return null;
  } catch (error) {
    if (error instanceof DomainError) throw new ValidationError(`line ${row.line} (${row.username}): ${error.message}; the rows before it may be created: import the same file again to finish`);
    throw error;
  }
  return issuePasswordLink(core, actor, row.username, publicUrl);
}
