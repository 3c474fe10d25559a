import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { exportDecider, type ExportCommand, type ExportEvent } from './export.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');
const LATER = new Date('2026-11-30T08:10:00.000Z');
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const spec = specFor(exportDecider);
let n = 0;
const cmd = <T extends ExportCommand['type']>(type: T, data: Extract<ExportCommand, { type: T }>['data'], now = NOW): ExportCommand =>
  ({ type, data, metadata: { now, actor: proctor, commandId: `c${++n}` } }) as ExportCommand;
const ask = (over: Partial<Extract<ExportCommand, { type: 'RequestExport' }>['data']> = {}) =>
  cmd('RequestExport', { exportId: 'e1', fields: ['session', 'score'], query: ' score<50 ', format: 'csv', bom: true, expiresAt: LATER, ...over });
const requested: ExportEvent = {
  type: 'ExportRequested',
  data: { exportId: 'e1', fields: ['session', 'score'], query: 'score<50', format: 'csv', bom: true, expiresAt: LATER.toISOString(), by: 'proctor1', role: 'proctor', at: NOW.toISOString() },
};

describe('a data export', () => {
  it('records who asked for which fields of which search, once', () => {
    spec([]).when(ask()).then([requested]);
    spec([requested]).when(ask()).thenThrows(IllegalStateError, /exists/);
  });
  it('refuses no fields, a field twice, an unknown format and a link that expires before it is given', () => {
    spec([]).when(ask({ fields: [] })).thenThrows(ValidationError, /at least one/);
    spec([]).when(ask({ fields: ['score', 'score'] })).thenThrows(ValidationError, /twice/);
    spec([]).when(ask({ format: 'xlsx' as 'csv' })).thenThrows(ValidationError, /format/);
    spec([]).when(ask({ expiresAt: NOW })).thenThrows(ValidationError, /expire/);
    spec([]).when(ask({ query: 'a\u0000b' })).thenThrows(ValidationError, /control/);
  });
  it('records one download with its row count, and refuses a second or a late one', () => {
    const downloaded: ExportEvent = { type: 'ExportDownloaded', data: { exportId: 'e1', rows: 42, complete: true, by: 'proctor1', at: NOW.toISOString() } };
    spec([requested]).when(cmd('RecordExportDownload', { rows: 42, complete: true, startedAt: NOW })).then([downloaded]);
    spec([requested, downloaded]).when(cmd('RecordExportDownload', { rows: 1, complete: true, startedAt: NOW })).thenThrows(IllegalStateError, /used already/);
    spec([requested]).when(cmd('RecordExportDownload', { rows: 1, complete: true, startedAt: LATER })).thenThrows(IllegalStateError, /expired/);
    spec([]).when(cmd('RecordExportDownload', { rows: 1, complete: true, startedAt: NOW })).thenThrows(IllegalStateError, /no such/);
  });
});
