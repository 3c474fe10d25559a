import type { CommandMetadata, Decider, Role } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier, instant, text, wholeNumber, MAX_INT4 } from '../core/fields.js';

/**
 * A data export of sessions: who asked for which fields of which search, and, once the one-time link was used, how many
 * rows left the system. Its own stream per export, so the access log of exports never mixes with a session's history.
 */
export type ExportFormat = 'csv' | 'jsonl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl'];

/** At most this many characters of search expression (the search box's limit). */
export const MAX_EXPORT_QUERY = 2000;
const MAX_FIELDS = 200;

export interface ExportRequest {
  readonly exportId: string;
  readonly fields: readonly string[];
  /** The search expression; empty means every session the requester may see. */
  readonly query: string;
  readonly format: ExportFormat;
  /** A UTF-8 byte order mark before a CSV, for spreadsheets that guess the encoding otherwise. */
  readonly bom: boolean;
  readonly expiresAt: string;
}

export type ExportEvent =
  | { readonly type: 'ExportRequested'; readonly data: ExportRequest & { readonly by: string; readonly role: Role; readonly at: string } }
  | { readonly type: 'ExportDownloaded'; readonly data: { readonly exportId: string; readonly rows: number; readonly complete: boolean; readonly by: string; readonly at: string } };

export const EXPORT_EVENT_TYPES: readonly ExportEvent['type'][] = ['ExportRequested', 'ExportDownloaded'];

export type ExportCommand =
  | {
      readonly type: 'RequestExport';
      readonly data: { readonly exportId: string; readonly fields: readonly string[]; readonly query: string; readonly format: ExportFormat; readonly bom: boolean; readonly expiresAt: Date };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'RecordExportDownload';
      /** `startedAt`: when the link was used (the expiry applies to that, not to the end of a long download). */
      readonly data: { readonly rows: number; readonly complete: boolean; readonly startedAt: Date };
      readonly metadata: CommandMetadata;
    };

export type Export =
  | { readonly status: 'none' }
  | { readonly status: 'requested'; readonly request: ExportRequest; readonly by: string; readonly role: Role }
  | { readonly status: 'downloaded'; readonly request: ExportRequest; readonly by: string; readonly role: Role; readonly rows: number };

export const exportStreamId = (exportId: string) => `export-${exportId}`;

function fieldList(fields: readonly string[]): string[] {
  if (!Array.isArray(fields) || fields.length === 0) throw new ValidationError('choose at least one field to export', { field: 'fields' });
  if (fields.length > MAX_FIELDS) throw new ValidationError(`at most ${MAX_FIELDS} fields`, { field: 'fields' });
  const names = fields.map((f) => identifier(f, 'field'));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ValidationError(`the field ${twice} is chosen twice`, { field: 'fields' });
  return names;
}

function request(command: Extract<ExportCommand, { type: 'RequestExport' }>): ExportEvent {
  const { data, metadata } = command;
  if (!EXPORT_FORMATS.includes(data.format)) throw new ValidationError(`the format must be one of ${EXPORT_FORMATS.join(', ')}`, { field: 'format' });
  const expiresAt = instant(data.expiresAt, 'expiry');
  if (expiresAt <= metadata.now) throw new ValidationError('the link would expire before it is given', { field: 'expiresAt' });
  const query = data.query.trim() ? text(data.query, 'search', MAX_EXPORT_QUERY, { multiline: true }) : '';
  return {
    type: 'ExportRequested',
    data: {
      exportId: identifier(data.exportId, 'export id'), fields: fieldList(data.fields), query, format: data.format, bom: Boolean(data.bom),
      expiresAt: expiresAt.toISOString(), by: metadata.actor.id, role: metadata.actor.role, at: metadata.now.toISOString(),
    },
  };
}

export function decideExport(command: ExportCommand, state: Export): ExportEvent[] {
  switch (command.type) {
    case 'RequestExport':
      if (state.status !== 'none') throw new IllegalStateError(`the export ${command.data.exportId} exists already`);
      return [request(command)];
    case 'RecordExportDownload': {
      if (state.status === 'none') throw new IllegalStateError('there is no such export');
      if (state.status === 'downloaded') throw new IllegalStateError('the export link was used already');
      const { now, actor } = command.metadata;
      if (Date.parse(state.request.expiresAt) <= instant(command.data.startedAt, 'start of the download').getTime()) throw new IllegalStateError('the export link has expired');
      const rows = wholeNumber(command.data.rows, 'rows', 0, MAX_INT4);
      return [{ type: 'ExportDownloaded', data: { exportId: state.request.exportId, rows, complete: Boolean(command.data.complete), by: actor.id, at: now.toISOString() } }];
    }
    default:
      return assertNever(command, 'export command');
  }
}

export function evolveExport(state: Export, event: ExportEvent): Export {
  switch (event.type) {
    case 'ExportRequested': {
      const { by, role, at: _at, ...request } = event.data;
      return { status: 'requested', request, by, role };
    }
    case 'ExportDownloaded':
      return state.status === 'none' ? state : { status: 'downloaded', request: state.request, by: state.by, role: state.role, rows: event.data.rows };
    default:
      return assertNever(event, 'export event');
  }
}

export const exportDecider: Decider<ExportCommand, ExportEvent, Export> = {
  initialState: () => ({ status: 'none' }),
  decide: decideExport,
  evolve: evolveExport,
};
