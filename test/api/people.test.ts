import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';
import { ENGINES } from '../support/engines.js';

const IMPORT = `mutation($csv: String!, $dry: Boolean!) { importAccounts(csv: $csv, dryRun: $dry) { created rows { line username name email role status problem } links { username url expiresAt } } }`;
const ACCOUNTS = `{ accounts(includeDisabled: true) { username displayName role } }`;
const OPEN = `mutation($t: String!) { openIntegrationSession(token: $t) { session { id } } }`;

const lmsToken = (secret: string, identifier: string) =>
  new SignJWT({ username: `taker-${identifier}`, identifier, subject: 'Quiz', timeout: 30 })
    .setProtectedHeader({ alg: 'HS256' }).setIssuer('lms2').setIssuedAt().setExpirationTime('5m').setJti(randomUUID())
    .sign(new TextEncoder().encode(secret));

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`the administrator's people and integrations ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
  });
  afterAll(async () => {
    await api.close();
  });
  const usernames = async () => ((await api.as('admin', ACCOUNTS)).accounts as Array<{ username: string }>).map((a) => a.username);

  describe('importing accounts from a CSV', () => {
    it('a dry run reports every bad row with its reason and creates nothing', async () => {
      const csv = [
        'username,name,email,role',
        'good1,Good One,good1@example.org,student',
        'bad user,Spaces,,student',
        'king1,King,,king',
        'good1,Again,,student',
        'proctor1,Taken,,proctor',
        `long1,${'x'.repeat(201)},,student`,
        'ctrl1,"Tab\there",,student',
        'mail1,Mail,not-an-email,student',
        'short1,Short',
      ].join('\r\n');
      const r = (await api.as('admin', IMPORT, { csv, dry: true })).importAccounts;
      expect(r.created).toBe(false);
      expect(r.links).toEqual([]);
      const problems = Object.fromEntries(r.rows.map((row: { line: number; problem: string | null }) => [row.line, row.problem]));
      expect(problems[2]).toBeNull();
      expect(problems[3]).toMatch(/username/);
      expect(problems[4]).toMatch(/role "king"/);
      expect(problems[5]).toMatch(/also on line 2/);
      expect(problems[6]).toMatch(/taken/);
      expect(problems[7]).toMatch(/201 characters long; the limit is 200/);
      expect(problems[8]).toMatch(/control characters/);
      expect(problems[9]).toMatch(/not an email address/);
      expect(problems[10]).toMatch(/has 2 fields; the header has 4/);
      expect(await usernames()).not.toContain('good1');
    });

    it('with a bad row, creating creates nothing either', async () => {
      const r = (await api.as('admin', IMPORT, { csv: 'username,name,email,role\nfine1,Fine,,student\nbad!,Bad,,student\n', dry: false })).importAccounts;
      expect(r.created).toBe(false);
      expect(await usernames()).not.toContain('fine1');
    });

    it('a good import creates every account, with non-Latin names, and a one-time set-password link each', async () => {
      const csv = '\uFEFFusername,name,email,role\r\nyuki,山田 由紀,yuki@example.jp,student\r\nolga,"Петрова, Ольга",,proctor\r\n"zoe",Zoë,,student\r\n';
      const dry = (await api.as('admin', IMPORT, { csv, dry: true })).importAccounts;
      expect(dry.rows.map((r: { status: string }) => r.status)).toEqual(['new', 'new', 'new']);
      const r = (await api.as('admin', IMPORT, { csv, dry: false })).importAccounts;
      expect(r.created).toBe(true);
      expect(r.links.map((l: { username: string }) => l.username)).toEqual(['yuki', 'olga', 'zoe']);
      const accounts = (await api.as('admin', ACCOUNTS)).accounts as Array<{ username: string; displayName: string; role: string }>;
      expect(accounts).toEqual(expect.arrayContaining([
        { username: 'yuki', displayName: '山田 由紀', role: 'student' }, { username: 'olga', displayName: 'Петрова, Ольга', role: 'proctor' },
      ]));
      const link = new URL(r.links[1].url.replace('#/set-password', 'set-password'));
      expect(link.origin).toBe('http://proctor.test');
      const [user, key] = [link.searchParams.get('user')!, link.searchParams.get('key')!];
      const set = `mutation($u: String!, $k: String!, $p: String!) { setPasswordWithLink(username: $u, key: $k, password: $p) }`;
      expect((await api.gql(set, { u: user, k: key, p: 'a-long-new-password-1' })).data).toEqual({ setPasswordWithLink: true });
      const login = await api.gql(`mutation { login(username: "olga", password: "a-long-new-password-1") { user { username } } }`);
      expect(login.data?.login.user.username).toBe('olga');
      const again = await api.gql(set, { u: user, k: key, p: 'another-long-password-2' });
      expect(again.errors?.[0].message).toMatch(/not valid/);
    });

    it('the same import run again creates nothing twice, and gives links only to accounts still without a password', async () => {
      const csv = 'username,name,email,role\nyuki,山田 由紀,,student\nolga,"Петрова, Ольга",,proctor\nzoe,Zoë,,student\nnew1,New,,auditor\n';
      const r = (await api.as('admin', IMPORT, { csv, dry: false })).importAccounts;
      expect(r.created).toBe(true);
      expect(r.rows.map((row: { status: string }) => row.status)).toEqual(['done', 'done', 'done', 'new']);
      expect(r.links.map((l: { username: string }) => l.username)).toEqual(['yuki', 'zoe', 'new1']);
      expect((await usernames()).filter((u) => ['yuki', 'olga', 'zoe', 'new1'].includes(u))).toHaveLength(4);
      const other = (await api.as('admin', IMPORT, { csv: 'username,name,email,role\nyuki,Another Yuki,,student\n', dry: true })).importAccounts;
      expect(other.rows[0].problem).toMatch(/taken/);
    });

    it('refuses a file without the columns, an unclosed quote, and more than 5,000 rows', async () => {
      const err = async (csv: string) => (await api.gql(IMPORT, { csv, dry: true }, await api.login('admin'))).errors?.[0];
      expect(await err('user,name\nx,y\n')).toMatchObject({ message: expect.stringMatching(/missing username, email, role/), extensions: { code: 'BAD_USER_INPUT' } });
      expect((await err('username,name,email,role\n"x,y,,student\n'))?.message).toMatch(/never closed/);
      const big = ['username,name,email,role', ...Array.from({ length: 5001 }, (_, i) => `u${i},U,,student`)].join('\n');
      expect((await err(big))?.message).toMatch(/more than 5000 rows/);
    });

    it('is for administrators only', async () => {
      for (const who of ['proctor1', 'auditor1', 'student1', 'lms']) expect(await api.errorCode(who, IMPORT, { csv: 'username,name,email,role\n', dry: true })).toBe('FORBIDDEN');
      expect(await api.errorCode(null, IMPORT, { csv: 'username,name,email,role\n', dry: true })).toBe('UNAUTHENTICATED');
    });
  });

  describe('integration secrets', () => {
    const GENERATE = `mutation($u: String!) { generateIntegrationSecret(username: $u) }`;
    it('a generated secret signs links; rotating refuses the old one; revoking refuses every one', async () => {
      const first = (await api.as('admin', GENERATE, { u: 'lms2' })).generateIntegrationSecret as string;
      expect(first.length).toBeGreaterThanOrEqual(43);
      expect((await api.gql(OPEN, { t: await lmsToken(first, 'sec-1') })).errors).toBeUndefined();
      const second = (await api.as('admin', GENERATE, { u: 'lms2' })).generateIntegrationSecret as string;
      expect(second).not.toBe(first);
      expect((await api.gql(OPEN, { t: await lmsToken(first, 'sec-2') })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect((await api.gql(OPEN, { t: await lmsToken(second, 'sec-3') })).errors).toBeUndefined();
      await api.as('admin', `mutation { revokeIntegrationSecret(username: "lms2") }`);
      expect((await api.gql(OPEN, { t: await lmsToken(second, 'sec-4') })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const listed = (await api.as('admin', `{ integrations { username secretSetAt } }`)).integrations;
      expect(listed).toEqual(expect.arrayContaining([{ username: 'lms2', secretSetAt: null }, { username: 'lms', secretSetAt: expect.any(String) }]));
    });

    it('no query returns a secret, and only administrators manage them', async () => {
      const s = (await api.as('admin', GENERATE, { u: 'lms' })).generateIntegrationSecret as string;
      const everything = JSON.stringify(await api.as('admin', `{ integrations { username displayName disabled secretSetAt } accounts(includeDisabled: true) { username role displayName disabled } }`));
      expect(everything).not.toContain(s);
      for (const who of ['proctor1', 'auditor1', 'lms']) {
        expect(await api.errorCode(who, GENERATE, { u: 'lms' })).toBe('FORBIDDEN');
        expect(await api.errorCode(who, `{ integrations { username } }`)).toBe('FORBIDDEN');
      }
      expect(await api.errorCode('admin', GENERATE, { u: 'proctor1' })).toBe('CONFLICT');
    });
  });
});
