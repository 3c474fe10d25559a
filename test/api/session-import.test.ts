import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { ENGINES } from '../support/engines.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';

const IMPORT = `mutation($csv: String!, $t: String!, $dry: Boolean!) { importSessions(csv: $csv, template: $t, dryRun: $dry) { created rows { line id name student proctor scheduledAt status problem } } }`;
const ACCOUNTS = `mutation($csv: String!) { importAccounts(csv: $csv, dryRun: false) { created } }`;
const CREATE_TEMPLATE = `mutation($input: TemplateInput!) { createTemplate(id: "midterm", input: $input) { id } }`;
const SESSIONS = `{ sessions(query: "session ~ \\"^midterm-\\"", first: 1) { totalCount } }`;
const midterm = {
  name: 'Midterm', metrics: ['b2', 'c2'], weights: [], threshold: 70, autoConclude: false, rules: 'Alone.',
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: false, proctorApproval: false },
  addons: { screen: false, secondCamera: false, chat: true, calls: false, contentProtection: false },
  checkInBefore: 20, checkInAfter: 5, duration: 75, scoreVisibleToStudent: false, retentionDays: 30,
};
const start = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}/, '');

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`importing sessions from a CSV ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    await api.as('admin', CREATE_TEMPLATE, { input: midterm });
    const takers = Array.from({ length: 50 }, (_, i) => `taker${i + 1},Taker ${i + 1},,student`);
    expect((await api.as('admin', ACCOUNTS, { csv: ['username,name,email,role', ...takers].join('\n') })).importAccounts.created).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await api.close();
  });
  const count = async () => (await api.as('admin', `{ sessions(first: 1) { totalCount } }`)).sessions.totalCount as number;
  const fifty = ['student,studentName,proctor,scheduledAt', ...Array.from({ length: 50 }, (_, i) => `taker${i + 1},Taker ${i + 1},proctor1,${start}`)].join('\r\n');

  describe('given a template and a CSV of test-takers', () => {
    it('a dry run reports every bad row with its line and reason and creates nothing', async () => {
      await api.as('admin', `mutation { createSession(input: { id: "taken-1", name: "Old", student: "student1", duration: 30 }) { id } }`);
      const before = await count();
      const csv = [
        'id,student,proctor,scheduledAt,duration',
        'ok-1,taker1,proctor1,,',
        'ok-1,taker2,,,',
        'taken-1,taker3,,,',
        'x,nobody,,,',
        'y,proctor2,,,',
        'z,taker4,ghost,,',
        'w,taker5,student2,,',
        'v,taker6,,tomorrow,',
        'u,taker7,,2020-01-01T09:00:00Z,',
        'bad id!,taker8,,,',
        't,taker9,,,0',
        's,taker10',
      ].join('\n');
      const r = (await api.as('admin', IMPORT, { csv, t: 'midterm', dry: true })).importSessions;
      expect(r.created).toBe(false);
      const problems = Object.fromEntries(r.rows.map((row: { line: number; problem: string | null }) => [row.line, row.problem]));
      expect(problems[2]).toBeNull();
      expect(problems[3]).toMatch(/also on line 2/);
      expect(problems[4]).toMatch(/taken-1 is taken/);
      expect(problems[5]).toMatch(/no account "nobody"/);
      expect(problems[6]).toMatch(/not an active test-taker/);
      expect(problems[7]).toMatch(/no account "ghost"/);
      expect(problems[8]).toMatch(/not an active proctor/);
      expect(problems[9]).toMatch(/not an ISO 8601/);
      expect(problems[10]).toMatch(/passed|past/);
      expect(problems[11]).toMatch(/session id/);
      expect(problems[12]).toMatch(/duration/);
      expect(problems[13]).toMatch(/has 2 fields; the header has 5/);
      expect((await api.as('admin', IMPORT, { csv, t: 'midterm', dry: false })).importSessions.created).toBe(false);
      expect(await count()).toBe(before);
    });

    it('refuses a file it cannot read, an unknown template and anyone but an administrator', async () => {
      expect(await api.errorCode('admin', IMPORT, { csv: 'student,colour\ntaker1,red', t: 'midterm', dry: true })).toBe('BAD_USER_INPUT');
      expect(await api.errorCode('admin', IMPORT, { csv: 'student\ntaker1', t: 'no-such-template', dry: true })).toBe('NOT_FOUND');
      for (const who of ['proctor1', 'student1']) expect(await api.errorCode(who, IMPORT, { csv: fifty, t: 'midterm', dry: true })).toBe('FORBIDDEN');
    });

    it('creates fifty sessions with the template\'s settings, and a retry creates nothing twice', async () => {
      const before = await count();
      const dry = (await api.as('admin', IMPORT, { csv: fifty, t: 'Midterm', dry: true })).importSessions;
      expect(dry.rows.filter((r: { status: string }) => r.status === 'new')).toHaveLength(50);
      const r = (await api.as('admin', IMPORT, { csv: fifty, t: 'Midterm', dry: false })).importSessions;
      expect(r.created).toBe(true);
      expect(await count()).toBe(before + 50);
      const id = r.rows[0].id as string;
      expect(id).toMatch(/^midterm-taker1-\d{8}T\d{6}Z$/);
      const { session } = await api.as('admin', `{ session(id: "${id}") { name template duration metrics proctor scheduledAt checkInOpensAt checkInClosesAt } }`);
      expect(session).toMatchObject({ name: 'Midterm', template: 'Midterm', duration: 75, metrics: ['b2', 'c2'], proctor: 'proctor1' });
      const { sessionEvents } = await api.as('admin', `{ sessionEvents(id: "${id}", first: 1) { data } }`);
      expect(sessionEvents[0].data).toMatchObject({ threshold: 70, fromTemplate: { templateId: 'midterm', version: 1 } });
      expect(Date.parse(session.scheduledAt) - Date.parse(session.checkInOpensAt)).toBe(20 * 60_000);
      expect(Date.parse(session.checkInClosesAt) - Date.parse(session.scheduledAt)).toBe(5 * 60_000);
      const again = (await api.as('admin', IMPORT, { csv: fifty, t: 'midterm', dry: false })).importSessions;
      expect(again.created).toBe(true);
      expect(again.rows.every((row: { status: string }) => row.status === 'done')).toBe(true);
      expect(await count()).toBe(before + 50);
      expect((await api.as('admin', SESSIONS)).sessions.totalCount).toBe(50);
    }, 120_000);
  });
});
