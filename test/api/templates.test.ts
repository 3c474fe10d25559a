import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultTemplate } from '../../src/app/templates/templates.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];

const FIELDS = 'id version name metrics weights { code value } threshold autoConclude rules stages { idPhoto proctorApproval } addons { secondCamera screen } checkInBefore checkInAfter duration scoreVisibleToStudent retentionDays archived';
const CREATE = `mutation($id: ID, $input: TemplateInput!) { createTemplate(id: $id, input: $input) { ${FIELDS} } }`;
const REVISE = `mutation($id: ID!, $input: TemplateInput!) { reviseTemplate(id: $id, input: $input) { ${FIELDS} } }`;
const SESSION = (id: string) => `{ session(id: "${id}") { template duration metrics secondCamera scoreVisibleToStudent scheduledAt checkInOpensAt checkInClosesAt score conclusion } }`;
const CHECK_IN = (id: string) => `mutation { checkIn(id: "${id}", userAgent: "Chromium") { status } }`;

const oral = {
  name: 'Oral exam', metrics: ['c2', 'b2'], weights: [{ code: 'c2', value: 2 }], threshold: 50, autoConclude: true, rules: 'Alone, camera on.',
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: true, proctorApproval: false },
  addons: { screen: true, secondCamera: true, chat: true, calls: false, contentProtection: true },
  checkInBefore: 30, checkInAfter: 10, duration: 45, scoreVisibleToStudent: true, retentionDays: 60,
};
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`exam templates ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    await api.as('admin', CREATE, { id: 'oral', input: oral });
  });
  afterAll(async () => {
    await api.close();
  });

  /** The session's creation event: which template version it came from. */
  async function createdEvent(id: string) {
    const { sessionEvents } = await api.as('admin', `{ sessionEvents(id: "${id}", first: 1) { type data } }`);
    return sessionEvents[0].data;
  }

  /** Starts the session, records minute 0 with c2 in violation 30% of it, and finishes within the minute. */
  async function takeExam(id: string) {
    expect((await api.as('student1', CHECK_IN(id))).checkIn.status).toBe('waiting');
    const t0 = Date.now();
    const student = { id: 'student1', role: 'student' as const };
    // The template asks for a face and an ID photo before the start.
    for (const kind of ['face', 'document'] as const) {
      const photoId = `${id}-${kind}`;
      await api.core.session(id, 'StoreFile', { fileId: photoId, kind, name: `${kind}.jpg`, contentType: 'image/jpeg', size: 10, sha256: 'a'.repeat(64) }, student);
      await api.core.session(id, 'SubmitIdentityPhoto', { photoId, kind }, student);
    }
    await api.core.session(id, 'StartSession', {}, student, { now: new Date(t0) });
    await api.core.session(id, 'RecordMetrics', { minute: 0, values: { c2: 30 } }, student, { now: new Date(t0 + 30_000) });
    await api.core.session(id, 'FinishSession', {}, student, { now: new Date(t0 + 50_000) });
  }

  describe('when an administrator manages templates', () => {
    it('creates version 1 with every setting, which proctors read and only administrators change', async () => {
      const { template } = await api.as('proctor1', `{ template(id: "oral") { ${FIELDS} } }`);
      expect(template).toEqual({ id: 'oral', version: 1, ...oral, stages: { idPhoto: true, proctorApproval: false }, addons: { secondCamera: true, screen: true }, archived: false });
      expect(await api.errorCode('proctor1', CREATE, { input: { ...oral, name: 'Mine' } })).toBe('FORBIDDEN');
      expect(await api.errorCode('student1', '{ templates { id } }')).toBe('FORBIDDEN');
    });
    it('refuses a name in use and a bad value, saying which', async () => {
      expect(await api.errorCode('admin', CREATE, { input: { ...oral, name: ' oral EXAM ' } })).toBe('BAD_USER_INPUT');
      const r = await api.gql(CREATE, { input: { ...oral, name: 'Other', retentionDays: 0 } }, await api.login('admin'));
      expect(r.errors?.[0].message).toMatch(/recordings retention \(days\) must be a whole number from 1 to 3650/);
    });
    it('archives a template: listed only when asked, and no new session is made from it', async () => {
      await api.as('admin', CREATE, { id: 'old', input: { ...oral, name: 'Old exam' } });
      expect((await api.as('admin', 'mutation { archiveTemplate(id: "old") { archived version } }')).archiveTemplate).toEqual({ archived: true, version: 1 });
      expect((await api.as('admin', '{ templates { id } }')).templates.map((t: { id: string }) => t.id)).not.toContain('old');
      expect((await api.as('admin', '{ templates(archived: true) { id } }')).templates.map((t: { id: string }) => t.id)).toContain('old');
      expect(await api.errorCode('admin', REVISE, { id: 'old', input: { ...oral, name: 'Old exam' } })).toBe('CONFLICT');
      expect(await api.errorCode('admin', `mutation { createSession(input: { id: "from-old", name: "x", student: "student1", template: "old" }) { id } }`)).toBe('CONFLICT');
      expect(await api.errorCode('admin', `mutation { createSession(input: { id: "from-none", name: "x", student: "student1", template: "no such" }) { id } }`)).toBe('NOT_FOUND');
    });
  });

  describe('a session created from a template', () => {
    it('keeps the template\'s check-in window, metrics, weights, threshold and auto-conclusion through to its score', async () => {
      const start = minutesFromNow(25); // inside the template's 30 minutes, outside the default 15
      await api.createSession('tpl-1', { template: 'Oral exam', scheduledAt: start, duration: null, metrics: null });
      const { session } = await api.as('admin', SESSION('tpl-1'));
      expect(session).toMatchObject({
        template: 'Oral exam', duration: 45, metrics: ['c2', 'b2'], secondCamera: true, scoreVisibleToStudent: true,
        checkInOpensAt: new Date(Date.parse(start) - 30 * 60_000).toISOString(), checkInClosesAt: new Date(Date.parse(start) + 10 * 60_000).toISOString(),
      });
      expect(await createdEvent('tpl-1')).toMatchObject({ fromTemplate: { templateId: 'oral', version: 1, rules: 'Alone, camera on.', retentionDays: 60, stages: { idPhoto: true } } });
      // The test-taker's page reads the rules of that version.
      expect((await api.as('student1', '{ session(id: "tpl-1") { fromTemplate { id version rules addons { secondCamera } } } }')).session.fromTemplate)
        .toEqual({ id: 'oral', version: 1, rules: 'Alone, camera on.', addons: { secondCamera: true } });
      await takeExam('tpl-1');
      // c2 was in violation 30% of the one minute, at weight 2: 100 − 2·30 = 40, under the threshold of 50.
      expect((await api.as('admin', SESSION('tpl-1'))).session).toMatchObject({ score: 40, conclusion: 'negative' });
    });
    it('takes the creator\'s metrics, weights and threshold over the template\'s', async () => {
      await api.createSession('tpl-2', { template: 'oral', scheduledAt: minutesFromNow(25), duration: null, metrics: ['c2'], weights: [{ code: 'c2', value: 1 }], threshold: 65 });
      await takeExam('tpl-2');
      expect((await api.as('admin', SESSION('tpl-2'))).session).toMatchObject({ metrics: ['c2'], score: 70, conclusion: 'positive' });
      expect(await createdEvent('tpl-2')).toMatchObject({ threshold: 65, weights: { c2: 1 }, autoConclude: true });
    });
    it('is not changed by a later edit of the template; sessions made after get the new version', async () => {
      const start = minutesFromNow(120);
      await api.createSession('tpl-before', { template: 'oral', scheduledAt: start, duration: null, metrics: null });
      const revised = (await api.as('admin', REVISE, { id: 'oral', input: { ...oral, checkInBefore: 60, duration: 90, weights: [{ code: 'c2', value: 5 }] } })).reviseTemplate;
      expect(revised).toMatchObject({ version: 2, checkInBefore: 60, duration: 90 });
      await api.createSession('tpl-after', { template: 'oral', scheduledAt: start, duration: null, metrics: null });
      const before = (await api.as('admin', SESSION('tpl-before'))).session;
      const after = (await api.as('admin', SESSION('tpl-after'))).session;
      expect(before).toMatchObject({ duration: 45, checkInOpensAt: new Date(Date.parse(start) - 30 * 60_000).toISOString() });
      expect(after).toMatchObject({ duration: 90, checkInOpensAt: new Date(Date.parse(start) - 60 * 60_000).toISOString() });
      expect(await createdEvent('tpl-before')).toMatchObject({ fromTemplate: { version: 1 }, weights: { c2: 2 } });
      expect(await createdEvent('tpl-after')).toMatchObject({ fromTemplate: { version: 2 }, weights: { c2: 5 } });
    });
    it('is opened by an LMS signed link naming the template, with the link\'s threshold', async () => {
      const token = await new SignJWT({ username: 'lmsuser', identifier: 'lms-tpl-1', subject: 'Oral exam, group B', template: 'Oral exam', threshold: 75 })
        .setProtectedHeader({ alg: 'HS256' }).setIssuer('lms').setExpirationTime('5m').setJti(randomUUID())
        .sign(new TextEncoder().encode('lms-shared-secret-0123456789abcdef'));
      const r = await api.gql(`mutation($t: String!) { openIntegrationSession(token: $t) { session { id } } }`, { t: token });
      expect(r.errors).toBeUndefined();
      const { session } = await api.as('admin', `{ session(id: "lms-tpl-1") { template duration metrics secondCamera } }`);
      expect(session).toEqual({ template: 'Oral exam', duration: 90, metrics: ['c2', 'b2'], secondCamera: true });
      expect(await createdEvent('lms-tpl-1')).toMatchObject({ threshold: 75, weights: { c2: 5 }, fromTemplate: { templateId: 'oral', version: 2 } });
    });
    it('can come from the default template, made once however often the server starts', async () => {
      await ensureDefaultTemplate(api.core);
      await ensureDefaultTemplate(api.core);
      const { template } = await api.as('admin', '{ template(id: "default") { name version metrics threshold autoConclude duration retentionDays stages { facePhoto idPhoto } } }');
      expect(template).toMatchObject({ name: 'Default', version: 1, threshold: 50, autoConclude: false, duration: 60, retentionDays: 90, stages: { facePhoto: true, idPhoto: false } });
      expect(template.metrics).toHaveLength(17);
      await api.createSession('tpl-default', { template: 'default', duration: null, metrics: null });
      expect(await createdEvent('tpl-default')).toMatchObject({ durationMinutes: 60, checkInBeforeMinutes: 15, fromTemplate: { templateId: 'default', version: 1 } });
    });
    it('without a template keeps the session\'s own settings and needs a duration', async () => {
      await api.createSession('tpl-none', {});
      expect(await createdEvent('tpl-none')).not.toHaveProperty('fromTemplate');
      expect((await api.as('student1', '{ session(id: "tpl-none") { fromTemplate { id } } }')).session.fromTemplate).toBeNull();
      expect(await api.errorCode('admin', `mutation { createSession(input: { id: "tpl-no-duration", name: "x", student: "student1" }) { id } }`)).toBe('BAD_USER_INPUT');
    });
  });
});
