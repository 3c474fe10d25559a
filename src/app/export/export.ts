import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError, IllegalStateError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import { exportDecider, exportStreamId, type ExportEvent, type ExportFormat, type ExportRequest } from '../../domain/export/export.js';
import type { Condition } from '../../projections/monitor/queries.js';
import { streamExportLines } from '../../projections/monitor/export-rows.js';
import { findField, nearestField, type FieldDef } from '../../projections/search/fields.js';
import { compileSql, parseQuery } from '../../projections/search/index.js';
import type { Sql } from '../../store/sql.js';
import type { Core } from '../core/core.js';
import { CONTENT_TYPES, exportHead, EXTENSIONS } from './format.js';

/**
 * Data export: the mutation records the request (an `ExportRequested` event) and answers a one-time link; the download
 * streams the rows from the read model and records how many left (`ExportDownloaded`). The link carries an HMAC over
 * the export id, so only this server's links open; it opens once (a claim shared by every node) and before it expires.
 */
export const EXPORT_LINK_MS = 10 * 60_000;
/**
 * Rows fetched and written at a time: from PostgreSQL's cursor, and in each keyset page on PGlite, where a page is a
 * statement of its own (planned, run, its result copied out of WebAssembly) and 5,000 cost 20 % less than 1,000 (a
 * page of 5,000 CSV lines is ≈1.5 MB).
 */
export const EXPORT_BATCH: Record<Sql['engine'], number> = { postgres: 1000, pglite: 5000 };

export interface ExportInput {
  readonly fields: readonly string[];
  readonly query?: string | null;
  readonly format: ExportFormat;
  readonly bom?: boolean | null;
}

export interface ExportLink {
  readonly exportId: string;
  /** Path and query of the download, to put after the server's address. */
  readonly path: string;
  readonly expiresAt: Date;
}

function fieldDefs(names: readonly string[]): FieldDef[] {
  return names.map((name) => {
    const def = findField(String(name));
    if (def) return def;
    const near = nearestField(String(name));
    throw new ValidationError(`there is no field ${JSON.stringify(String(name).slice(0, 64))}${near ? `: did you mean ${near}?` : ''}`, { field: 'fields' });
  });
}

function linkKey(secret: string, exportId: string): string {
  const key = createHmac('sha256', secret).update('export-link/v1').digest();
  return createHmac('sha256', key).update(exportId).digest('base64url');
}

/** Records an export of `input` for `actor` (already allowed to export) and answers its one-time link. */
export async function requestExport(core: Core, secret: string, actor: Actor, input: ExportInput): Promise<ExportLink> {
  const fields = fieldDefs(input.fields ?? []).map((f) => f.name);
  const query = (input.query ?? '').trim();
  if (query) parseQuery(query); // a parse error is the caller's, with its position, before anything is recorded
  const exportId = randomUUID();
  const expiresAt = new Date(core.now().getTime() + EXPORT_LINK_MS);
  await core.export(exportId, 'RequestExport', { exportId, fields, query, format: input.format, bom: Boolean(input.bom), expiresAt }, actor);
  return { exportId, path: `/exports/${exportId}?key=${linkKey(secret, exportId)}`, expiresAt };
}

/** An export link being used: what to send and who asked for it. */
export interface OpenedExport {
  readonly request: ExportRequest;
  readonly requester: Actor;
  readonly fileName: string;
  readonly contentType: string;
  readonly startedAt: Date;
}

/** Checks and uses up the link of export `exportId`. */
export async function openExport(core: Core, secret: string, exportId: string, key: string | null): Promise<OpenedExport> {
  const expected = Buffer.from(linkKey(secret, exportId));
  const given = Buffer.from(key ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ForbiddenError('this is not a download link of ours');
  const events = await core.store.readStream<ExportEvent>(exportStreamId(exportId));
  const state = events.reduce(exportDecider.evolve, exportDecider.initialState());
  if (state.status === 'none') throw new NotFoundError(`no export ${exportId}`);
  const startedAt = core.now();
  const expiresAt = new Date(state.request.expiresAt);
  if (state.status === 'downloaded') throw new IllegalStateError('the export link was used already: export again');
  if (expiresAt <= startedAt) throw new IllegalStateError('the export link has expired: export again');
  if (!(await core.claims.claim(`export:${exportId}`, expiresAt))) throw new IllegalStateError('the export link was used already: export again');
  const stamp = state.request.expiresAt.slice(0, 16).replace(/[-:]/g, '');
  return {
    request: state.request,
    requester: { id: state.by, role: state.role },
    fileName: `sessions-${stamp}.${EXTENSIONS[state.request.format]}`,
    contentType: CONTENT_TYPES[state.request.format],
    startedAt,
  };
}

/**
 * The export's bytes as text chunks (the head, then one chunk per batch of rows), limited by `visible` (what the
 * requester may read) and the export's search. `counted` learns the rows written so far after each chunk.
 */
export async function* exportChunks(db: Sql, opened: Pick<OpenedExport, 'request'>, visible: Condition, counted: (rows: number) => void): AsyncGenerator<string | Buffer> {
  const { request } = opened;
  const fields = fieldDefs(request.fields);
  const conditions: Condition[] = [visible];
  if (request.query) conditions.push(compileSql(parseQuery(request.query), 1));
  yield exportHead(request.format, fields.map((f) => f.name), request.bom);
  let rows = 0;
  for await (const batch of streamExportLines(db, fields, request.format, conditions, EXPORT_BATCH[db.engine])) {
    rows += batch.rows;
    counted(rows);
    yield batch.lines;
  }
}

/** Records how many rows left with the export, and whether the download ran to its end. */
export async function recordDownload(core: Core, opened: OpenedExport, rows: number, complete: boolean): Promise<void> {
  await core.export(opened.request.exportId, 'RecordExportDownload', { rows, complete, startedAt: opened.startedAt }, opened.requester);
}
