import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStreamId } from '../../src/domain/export/export.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { seedMonitorRows } from '../support/monitor-seed.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];

const EXPORT = `mutation($fields: [String!]!, $query: String, $format: ExportFormat!, $bom: Boolean) {
  exportSessions(fields: $fields, query: $query, format: $format, bom: $bom) { exportId url path expiresAt } }`;

/** Awkward values: a quote, a comma, line breaks (a proctor's comment has them), a formula, non-Latin scripts. */
const NAMES: Record<string, { name: string; studentName: string; comment: string }> = {
  q1: { name: 'Exam "final", part 1', studentName: 'Зоя Космодемьянская', comment: 'one line' },
  q2: { name: 'Ünïcödé, "quoted"', studentName: '王小明 🙂', comment: 'Line one\nline two\r\nthree, "end"' },
  q3: { name: 'Plain', studentName: '=HYPERLINK("http://evil")', comment: '' },
};

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`the data export ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    for (const [id, { name, studentName }] of Object.entries(NAMES)) await api.createSession(id, { name, studentName, tags: ['a,b', 'ö'] });
    await api.createSession('p2', { proctor: 'proctor2' });
    // Scores and comments as concluded sessions have them (the export reads the read model only).
    await api.core.db.query(`UPDATE monitor_sessions SET score = CASE session_id WHEN 'q1' THEN 12.5 WHEN 'q2' THEN 49 WHEN 'q3' THEN 50 ELSE 90 END`);
    for (const [id, { comment }] of Object.entries(NAMES)) await api.core.db.query(`UPDATE monitor_sessions SET comment = $2 WHERE session_id = $1`, [id, comment || null]);
  });
  afterAll(async () => {
    await api?.close();
  });

  async function exportAs(user: string, variables: Record<string, unknown>) {
    return (await api.as(user, EXPORT, { format: 'CSV', ...variables })).exportSessions as { exportId: string; url: string; path: string; expiresAt: string };
  }
  const get = (path: string) => fetch(`${api.server.url}${path}`);

  it('downloads a CSV that a real parser reads back exactly: quotes, commas, line breaks and non-Latin names', async () => {
    const link = await exportAs('admin', { fields: ['session', 'name', 'studentName', 'comment', 'tags', 'score'], query: 'session=q1,q2,q3', bom: true });
    expect(link.url).toBe(`http://proctor.test${link.path}`);
    const res = await get(link.path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="sessions-\d{8}T\d{4}\.csv"$/);
    const body = Buffer.from(await res.arrayBuffer());
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.toString('utf8');
    expect(text.split('\r\n').at(-1)).toBe('');
    const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.session).sort()).toEqual(['q1', 'q2', 'q3']);
    for (const row of rows) {
      const expected = NAMES[row.session];
      expect(row.name).toBe(expected.name);
      expect(row.studentName).toBe(row.session === 'q3' ? `'${expected.studentName}` : expected.studentName);
      expect(row.comment).toBe(expected.comment);
      expect(row.tags).toBe('a,b; ö');
    }
    expect(rows.find((r) => r.session === 'q1')!.score).toBe('12.5');
  });

  it('writes JSON Lines with typed values, filtered by the search language (score<50)', async () => {
    const link = await exportAs('admin', { fields: ['session', 'score', 'tags', 'date', 'blocked'], query: 'score<50', format: 'JSONL' });
    const res = await get(link.path);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    const rows = lines.map((l) => JSON.parse(l));
    expect(rows.map((r) => r.session).sort()).toEqual(['q1', 'q2']);
    expect(rows[0]).toEqual({ session: expect.any(String), score: expect.any(Number), tags: ['a,b', 'ö'], date: expect.stringMatching(/Z$/), blocked: false });
  });

  it('refuses a search that does not parse with its position, and a field that does not exist with the nearest one', async () => {
    const bad = await api.gql(EXPORT, { fields: ['session'], query: 'score<<50', format: 'CSV' }, await api.login('admin'));
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].extensions).toMatchObject({ line: 1, column: expect.any(Number) });
    const unknown = await api.gql(EXPORT, { fields: ['scor'], format: 'CSV' }, await api.login('admin'));
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors?.[0].message).toMatch(/did you mean score/);
  });

  it('exports only the sessions the caller may list, and never for a test-taker', async () => {
    const proctor = await exportAs('proctor2', { fields: ['session', 'proctor'] });
    const rows = parse(await (await get(proctor.path)).text(), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([{ session: 'p2', proctor: 'proctor2' }]);
    expect(await api.errorCode('student1', EXPORT, { fields: ['session'], format: 'CSV' })).toBe('FORBIDDEN');
    expect(await api.errorCode(null, EXPORT, { fields: ['session'], format: 'CSV' })).toBe('UNAUTHENTICATED');
  });

  it('opens a link once, and only with its key', async () => {
    const link = await exportAs('admin', { fields: ['session'] });
    expect((await get(link.path.replace(/key=.*/, 'key=forged'))).status).toBe(403);
    expect((await get(link.path)).status).toBe(200);
    const again = await get(link.path);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'CONFLICT', error: expect.stringMatching(/used already/) });
  });

  it('records who exported which fields of which search and how many rows on the export\'s own stream', async () => {
    const link = await exportAs('proctor1', { fields: ['session', 'score'], query: 'score<50' });
    await (await get(link.path)).text();
    const events = await api.core.store.readStream(exportStreamId(link.exportId));
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['ExportRequested', expect.objectContaining({ by: 'proctor1', role: 'proctor', fields: ['session', 'score'], query: 'score<50', format: 'csv' })],
      ['ExportDownloaded', expect.objectContaining({ by: 'proctor1', rows: 2, complete: true })],
    ]);
  });

  describe('when the read model holds thousands of sessions', () => {
    beforeAll(async () => {
      await seedMonitorRows(api.core.db, 5000);
    });

    it('streams them all, newest first, in several chunks', async () => {
      const link = await exportAs('admin', { fields: ['session', 'name', 'score', 'averages.b1'], query: 'session~^bulk-' });
      const res = await get(link.path);
      const reader = res.body!.getReader();
      const chunks: Uint8Array[] = [];
      for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
      expect(chunks.length).toBeGreaterThan(1);
      const rows = parse(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(5000);
      expect(rows[0].session).toBe('bulk-005000');
      expect(rows.at(-1)!.session).toBe('bulk-000001');
      expect(rows[4999 - 9].score).toBe('');
      expect(rows.at(-1)!.name).toBe('Exam 1, part "1"');
    });
  });
});
