import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];

const CREATE_TEMPLATE = `mutation($id: ID, $input: TemplateInput!) { createTemplate(id: $id, input: $input) { id } }`;
const base = {
  metrics: ['b2', 'c2', 's1', 's2'], weights: [], threshold: 50, autoConclude: false, rules: 'Alone.',
  checkInBefore: 15, checkInAfter: null, duration: 30, scoreVisibleToStudent: false, retentionDays: 30,
};
const bare = {
  ...base, name: 'Bare quiz',
  stages: { compatibilityCheck: false, facePhoto: false, idPhoto: false, proctorApproval: false },
  addons: { screen: false, secondCamera: false, chat: false, calls: false, contentProtection: false },
};
const strict = {
  ...base, name: 'Strict exam',
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: true, proctorApproval: true },
  addons: { screen: true, secondCamera: false, chat: true, calls: true, contentProtection: true },
};
const STEPS = `query($id: ID!) { session(id: $id) { status metrics approvedBy examSteps { photosDemanded
  stages { compatibilityCheck facePhoto idPhoto proctorApproval } addons { screen secondCamera chat calls contentProtection } } } }`;
const CHECK_IN = `mutation($id: ID!) { checkIn(id: $id, userAgent: "Chromium") { status } }`;
const START = `mutation($id: ID!) { startSession(id: $id) { status } }`;
const APPROVE = `mutation($id: ID!) { verifyIdentity(id: $id) { id } }`;
const SEND = `mutation($id: ID!, $t: String!, $i: Boolean!) { sendMessage(sessionId: $id, text: $t, incident: $i) { id } }`;
const CALL = `mutation($id: ID!) { startCall(sessionId: $id, video: true) { callId } }`;
const METRICS = `mutation($id: ID!, $c: String!) { recordMetrics(sessionId: $id, minute: 0, values: [{ code: $c, value: 10 }]) { id } }`;
// The smallest valid PNG: 1×1 transparent pixel (an identity photo as far as storing it goes).
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`exam stages and addons from a template ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    await api.as('admin', CREATE_TEMPLATE, { id: 'bare', input: bare });
    await api.as('admin', CREATE_TEMPLATE, { id: 'strict', input: strict });
  });
  afterAll(async () => {
    await api.close();
  });

  /** The GraphQL error of `query` for `username`: its code and message. */
  async function refusal(username: string, query: string, variables: Record<string, unknown>) {
    const r = await api.gql(query, variables, await api.login(username));
    expect(r.errors, `${query} should be refused`).toBeDefined();
    return { code: r.errors![0].extensions?.code, message: r.errors![0].message };
  }

  describe('when the template turns every stage and addon off', () => {
    beforeAll(async () => {
      await api.createSession('bare-1', { template: 'bare', duration: null, metrics: null });
    });

    it('tells the page that nothing is asked before the start and nothing added to the camera', async () => {
      const { session } = await api.as('student1', STEPS, { id: 'bare-1' });
      expect(session.examSteps).toEqual({ photosDemanded: true, stages: bare.stages, addons: bare.addons });
      expect(session.metrics).toEqual(['b2', 'c2']); // no screen: its metrics cannot be measured, so they do not count
    });

    it('starts right after check-in, without photos or an approval', async () => {
      await api.as('student1', CHECK_IN, { id: 'bare-1' });
      expect((await api.as('student1', START, { id: 'bare-1' })).startSession.status).toBe('in_progress');
    });

    it('refuses the test-taker\'s chat message, a call and a screen metric, saying why', async () => {
      expect(await refusal('student1', SEND, { id: 'bare-1', t: 'hello', i: false })).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/chat is off/) });
      expect(await refusal('proctor1', CALL, { id: 'bare-1' })).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/calls are off/) });
      expect(await refusal('student1', METRICS, { id: 'bare-1', c: 's1' })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/s1 is not used/) });
    });

    it('still lets the proctor warn the test-taker with an incident message', async () => {
      expect((await api.as('proctor1', SEND, { id: 'bare-1', t: 'Eyes on the screen', i: true })).sendMessage.id).toBeTruthy();
    });
  });

  describe('when the template asks for both photos and the proctor\'s approval', () => {
    beforeAll(async () => {
      await api.createSession('strict-1', { template: 'strict', duration: null, metrics: null });
      await api.as('student1', CHECK_IN, { id: 'strict-1' });
    });

    it('refuses the start, naming what is missing', async () => {
      expect(await refusal('student1', START, { id: 'strict-1' })).toMatchObject({
        code: 'CONFLICT', message: "cannot start yet: waiting for a face photo and an ID document photo and the proctor's approval",
      });
    });

    it('still waits for the approval once both photos are in', async () => {
      for (const kind of ['face', 'document']) {
        const up = await api.upload('student1', 'strict-1', PNG, { kind });
        expect(up.status).toBe(201);
        await api.as('student1', `mutation($id: ID!, $p: String!, $k: String!) { submitIdentityPhoto(id: $id, photoId: $p, kind: $k) { id } }`, { id: 'strict-1', p: up.json.fileId, k: kind });
      }
      expect((await refusal('student1', START, { id: 'strict-1' })).message).toBe("cannot start yet: waiting for the proctor's approval");
    });

    it('lets only staff approve, records who did, and then lets the test-taker start', async () => {
      expect((await refusal('student1', APPROVE, { id: 'strict-1' })).code).toBe('FORBIDDEN');
      await api.as('proctor1', APPROVE, { id: 'strict-1' });
      await eventually(async () => (await api.as('student1', STEPS, { id: 'strict-1' })).session.approvedBy === 'proctor1');
      expect((await api.as('student1', START, { id: 'strict-1' })).startSession.status).toBe('in_progress');
      expect((await api.as('student1', SEND, { id: 'strict-1', t: 'ready', i: false })).sendMessage.id).toBeTruthy();
    });
  });

  describe('when a session has no template', () => {
    it('asks for what the exam page always asked and starts without waiting for photos', async () => {
      await api.createSession('plain-1');
      const { session } = await api.as('student1', STEPS, { id: 'plain-1' });
      expect(session.examSteps).toMatchObject({ photosDemanded: false, stages: { facePhoto: true, idPhoto: true, proctorApproval: false }, addons: { screen: true, chat: true, calls: true } });
      await api.as('student1', CHECK_IN, { id: 'plain-1' });
      expect((await api.as('student1', START, { id: 'plain-1' })).startSession.status).toBe('in_progress');
    });
  });
});
