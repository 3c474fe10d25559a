import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '../../src/domain/core/decider.js';
import { sessionStreamId, type SessionEvent } from '../../src/domain/session/events.js';
import { registerLtiPlatform } from '../../src/app/lti/platforms.js';
import { openJobs } from '../../src/app/lti/services/plan.js';
import { LtiServiceWorker } from '../../src/app/lti/services/worker.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { ENGINES } from '../support/engines.js';
import { issueLaunch, linkFromClaims } from '../support/lti-link.js';
import { ROLE, startLtiPlatform, type AcsAction, type LtiPlatform } from '../support/lti-platform.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';

const admin: Actor = { id: 'admin', role: 'admin' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };

type Call = Extract<SessionEvent, { type: 'LtiServiceCalled' }>['data'];

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`the LMS services we call ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let lms: LtiPlatform;
  let platformId: string;
  let worker: LtiServiceWorker;
  const lmsActor = () => ({ id: `lti:${platformId}`, role: 'integrator' }) as const;

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    lms = await startLtiPlatform();
    const app = api.server.url;
    const reg = lms.register({ loginUrl: `${app}/lti/login`, redirectUris: [`${app}/lti/launch`], jwksUrl: `${app}/.well-known/jwks.json`, targetLinkUri: `${app}/lti/launch` });
    const row = await registerLtiPlatform(api.core, {
      name: 'Test LMS', issuer: lms.issuer, clientId: reg.clientId, deploymentIds: [reg.deploymentId],
      authUrl: lms.endpoints.authorization, tokenUrl: lms.endpoints.token, jwksUrl: lms.endpoints.jwks,
    }, 'manual', admin);
    platformId = row.platformId;
    // Back-off of a few milliseconds: the tests wait for what the platform received, never for a duration.
    worker = new LtiServiceWorker(api.core, { backoffMs: () => 30, log: (m, e) => console.error(m, e) });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await lms?.close();
    await api?.close();
  });

  /** A session in progress, launched from the platform by LtiStartProctoring with the given ACS offer. */
  async function launchedSession(acs: boolean | readonly AcsAction[] = false): Promise<{ id: string; sub: string }> {
    const id = `lti-${randomUUID().slice(0, 8)}`;
    const sub = `learner-${id}`;
    const claims = await issueLaunch(lms, { messageType: 'LtiStartProctoring', user: { sub, name: 'Lea Learner' }, proctoring: { acs } });
    await api.createSession(id);
    await api.core.session(id, 'RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: linkFromClaims(claims, platformId) }, lmsActor());
    await api.core.session(id, 'CheckIn', { userAgent: 'test', browserSupported: true }, student);
    await api.core.session(id, 'StartSession', {}, student);
    return { id, sub };
  }

  async function calls(id: string, service?: string): Promise<Call[]> {
    const events = await api.core.store.readStream<SessionEvent>(sessionStreamId(id));
    return events.flatMap((e) => (e.type === 'LtiServiceCalled' && (!service || e.data.service === service) ? [e.data] : []));
  }

  describe('when the session gets its conclusion', () => {
    it('gets a token by a signed assertion, creates the Proctoring line item once and posts the score', async () => {
      const { id, sub } = await launchedSession();
      await api.core.session(id, 'FinishSession', { conclusion: 'positive', comment: 'calm and alone' }, proctor);
      const score = await eventually(() => lms.scores.find((s) => s.score.userId === sub), 15_000);
      const item = lms.lineItems.find((li) => li.id === score.lineItemId)!;
      expect(item).toMatchObject({ label: 'Proctoring', scoreMaximum: 100, tag: 'proctoring', resourceLinkId: 'rl-1' });
      expect(score.score).toMatchObject({ scoreGiven: expect.any(Number), scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
      expect(score.score.comment).toBe('Conclusion: positive. calm and alone');
      expect(Date.parse(score.score.timestamp as string)).not.toBeNaN();
      // The platform verified our assertion against our JWKS before it issued the token.
      expect(lms.requests.filter((r) => r.path === '/token').every((r) => r.status === 200 && r.decision.startsWith('ok: token'))).toBe(true);
      await eventually(async () => (await calls(id, 'ags')).some((c) => c.action === 'score' && c.ok), 15_000);
      expect((await calls(id, 'ags')).map((c) => [c.action, c.attempt, c.ok])).toEqual([['lineitem', 1, true], ['score', 1, true]]);

      // An administrator changes the conclusion: published again, on the same line item.
      await api.core.session(id, 'ConcludeSession', { conclusion: 'negative', comment: 'a second voice' }, admin);
      await eventually(() => lms.scores.filter((s) => s.score.userId === sub).length === 2, 15_000);
      expect(lms.scores.filter((s) => s.score.userId === sub).at(-1)?.score.comment).toBe('Conclusion: negative. a second voice');
      expect(lms.lineItems.filter((li) => li.resourceLinkId === 'rl-1' && li.tag === 'proctoring')).toHaveLength(1);
    });

    it('retries a score the platform fails twice until it is accepted, recording the three attempts', async () => {
      const { id, sub } = await launchedSession();
      lms.failNextScores(2);
      await api.core.session(id, 'FinishSession', { conclusion: 'negative' }, proctor);
      await eventually(() => lms.scores.find((s) => s.score.userId === sub), 15_000);
      const scores = await eventually(async () => {
        const c = (await calls(id, 'ags')).filter((x) => x.action === 'score');
        return c.some((x) => x.ok) ? c : null;
      }, 15_000);
      expect(scores.map((c) => [c.attempt, c.status, c.ok])).toEqual([[1, 500, false], [2, 500, false], [3, 204, true]]);
      expect(lms.scores.filter((s) => s.score.userId === sub)).toHaveLength(1);
    });

    it('publishes after a restart what was concluded while no worker ran, and two nodes send it once', async () => {
      await worker.stop();
      const { id, sub } = await launchedSession();
      await api.core.session(id, 'FinishSession', { conclusion: 'positive' }, proctor);
      expect(lms.scores.some((s) => s.score.userId === sub)).toBe(false);
      const nodes = [new LtiServiceWorker(api.core, { backoffMs: () => 30 }), new LtiServiceWorker(api.core, { backoffMs: () => 30 })];
      await Promise.all(nodes.map((n) => n.start()));
      try {
        await eventually(async () => (await calls(id, 'ags')).some((c) => c.action === 'score' && c.ok), 15_000);
        await Promise.all(nodes.map((n) => n.idle()));
        expect(lms.scores.filter((s) => s.score.userId === sub)).toHaveLength(1);
        expect((await calls(id, 'ags')).filter((c) => c.action === 'score')).toHaveLength(1);
      } finally {
        await Promise.all(nodes.map((n) => n.stop()));
        worker = new LtiServiceWorker(api.core, { backoffMs: () => 30 });
        await worker.start();
      }
    });
  });

  describe('when a proctor asks for the course members', () => {
    it('answers the platform\'s roster through NRPS and records the call', async () => {
      const { id } = await launchedSession();
      lms.setMembers([
        { user_id: 'learner-1', roles: [ROLE.learner], name: 'Lea Learner', email: 'lea@example.test' },
        { user_id: 'teacher-1', roles: [ROLE.instructor], given_name: 'Tom', family_name: 'Teacher', status: 'Inactive' },
      ]);
      const q = `query($id: ID!) { ltiCourseMembers(sessionId: $id) { userId name email roles status } }`;
      const { ltiCourseMembers } = await api.as<{ ltiCourseMembers: unknown[] }>('proctor1', q, { id });
      expect(ltiCourseMembers).toEqual([
        { userId: 'learner-1', name: 'Lea Learner', email: 'lea@example.test', roles: [ROLE.learner], status: 'Active' },
        { userId: 'teacher-1', name: 'Tom Teacher', email: null, roles: [ROLE.instructor], status: 'Inactive' },
      ]);
      expect(await calls(id, 'nrps')).toEqual([expect.objectContaining({ action: 'members', status: 200, ok: true, outcome: '2 members' })]);
      expect((await api.as<{ session: { fromLms: boolean } }>('proctor1', `query($id: ID!) { session(id: $id) { fromLms } }`, { id })).session.fromLms).toBe(true);
      expect(await api.errorCode('student1', q, { id })).toBe('FORBIDDEN');
      expect(await api.errorCode('proctor2', q, { id })).toBe('NOT_FOUND');
    });

    it('says so when the session did not come from an LMS', async () => {
      await api.createSession('plain-1');
      expect((await api.as<{ session: { fromLms: boolean } }>('admin', `query { session(id: "plain-1") { fromLms } }`)).session.fromLms).toBe(false);
      expect(await api.errorCode('admin', `query { ltiCourseMembers(sessionId: "plain-1") { userId } }`)).toBe('CONFLICT');
    });
  });

  describe('when a session did not come from an LMS', () => {
    it('looks up its missing link once, not at each violation, and serves it once it is launched from the LMS after all', async () => {
      const id = `plain-${randomUUID().slice(0, 8)}`;
      // Reads of this session's link that have answered (the store's own method, wrapped on this instance).
      let reads = 0;
      const db = api.core.db;
      const own = Object.getOwnPropertyDescriptor(db, 'query');
      const query = db.query.bind(db);
      db.query = (async (text: string, params?: readonly unknown[]) => {
        const rows = await query(text, params);
        if (text.includes('FROM lti_session_links WHERE session_id') && params?.[0] === id) reads++;
        return rows;
      }) as typeof db.query;
      try {
        await api.createSession(id);
        await api.core.session(id, 'CheckIn', { userAgent: 'test', browserSupported: true }, student);
        await api.core.session(id, 'StartSession', {}, student);
        await api.core.session(id, 'RecordViolation', { code: 'b2', detail: 'first' }, student);
        await eventually(() => reads === 1, 15_000);
        await api.core.session(id, 'RecordViolation', { code: 'b2', detail: 'second' }, student);
        await api.core.session(id, 'PauseSession', {}, proctor);
        await api.core.session(id, 'ResumeSession', {}, proctor);
        // The launch clears what the worker knew: its link is read once more, and only then.
        const sub = `learner-${id}`;
        const claims = await issueLaunch(lms, { messageType: 'LtiStartProctoring', user: { sub, name: 'Lea Learner' }, proctoring: { acs: false } });
        await api.core.session(id, 'RecordLtiLaunch', { messageType: 'LtiStartProctoring', link: linkFromClaims(claims, platformId) }, lmsActor());
        await eventually(() => reads === 2, 15_000);
        await worker.idle();
        expect(reads).toBe(2);
        await api.core.session(id, 'FinishSession', { conclusion: 'positive' }, proctor);
        await eventually(() => lms.scores.find((s) => s.score.userId === sub), 15_000);
      } finally {
        if (own) Object.defineProperty(db, 'query', own);
        else delete (db as { query?: unknown }).query;
      }
    });
  });

  describe('when the platform offers the Assessment Control Service', () => {
    it('sends pause, resume, the incident, the violation and the proctor\'s finish, and records each status', async () => {
      const { id, sub } = await launchedSession(true);
      const mine = () => lms.acsRequests.filter((r) => (r.body.user as { sub: string }).sub === sub);
      await api.core.session(id, 'PauseSession', {}, proctor);
      await api.core.session(id, 'ResumeSession', {}, proctor);
      await api.core.session(id, 'SendMessage', { messageId: 'm1', text: 'A second person is in the room', incident: true }, proctor);
      await api.core.session(id, 'RecordViolation', { code: 'b2', detail: 'left the exam tab' }, student);
      await api.core.session(id, 'FinishSession', {}, proctor);
      await eventually(() => mine().length === 5, 15_000);
      expect(mine().map((r) => [r.body.action, r.status])).toEqual([
        ['pause', 'paused'], ['resume', 'running'], ['pause', 'paused'], ['flag', 'paused'], ['terminate', 'terminated'],
      ]);
      const [pause, , incident, flag] = mine();
      expect(pause.body).toEqual({
        user: { iss: lms.issuer, sub }, resource_link: { id: 'rl-1' }, attempt_number: 1, action: 'pause',
        incident_time: expect.any(String), incident_severity: 0.5, reason_code: 'proctor_pause', reason_msg: 'the proctor paused the exam',
      });
      expect(incident.body).toMatchObject({ reason_code: 'incident', reason_msg: 'A second person is in the room', incident_severity: 0.7 });
      expect(flag.body).toMatchObject({ reason_code: 'b2', reason_msg: 'Focus changed to a different window: left the exam tab' });
      const recorded = await eventually(async () => {
        const c = await calls(id, 'acs');
        return c.length === 5 ? c : null;
      }, 15_000);
      expect(recorded.map((c) => [c.action, c.status, c.outcome, c.ok])).toEqual([
        ['pause', 200, 'paused', true], ['resume', 200, 'running', true], ['pause', 200, 'paused', true], ['flag', 200, 'paused', true], ['terminate', 200, 'terminated', true],
      ]);
    });

    it('sends only the actions the platform listed', async () => {
      const { id, sub } = await launchedSession(['flag']);
      await api.core.session(id, 'PauseSession', {}, proctor);
      await api.core.session(id, 'RecordViolation', { code: 'c2', detail: null }, student);
      await eventually(async () => (await calls(id, 'acs')).length === 1, 15_000);
      await worker.sweep();
      await worker.idle();
      expect(lms.acsRequests.filter((r) => (r.body.user as { sub: string }).sub === sub).map((r) => r.body.action)).toEqual(['flag']);
      expect((await calls(id, 'acs')).map((c) => c.action)).toEqual(['flag']);
    });

    it('has asked the token endpoint once per set of scopes so far: grades, members, control', () => {
      const tokens = lms.requests.filter((r) => r.path === '/token');
      expect(tokens.map((r) => r.status)).toEqual([200, 200, 200]);
    });

    it('sends nothing for an attempt the LMS ended itself', async () => {
      const { id } = await launchedSession(true);
      await api.core.session(id, 'EndLtiAssessment', {}, lmsActor());
      await api.core.session(id, 'FinishSession', {}, lmsActor());
      await worker.sweep();
      await worker.idle();
      const events = await api.core.store.readStream<SessionEvent>(sessionStreamId(id));
      expect(events.some((e) => e.type === 'SessionFinished' && e.data.by === 'integrator')).toBe(true);
      expect(openJobs(events)).toEqual([]);
      expect(await calls(id, 'acs')).toEqual([]);
    });

    it('terminates the attempt when the exam\'s time runs out on our clock, as the session timer finishes it', async () => {
      const { id, sub } = await launchedSession(['terminate']);
      const [started] = (await api.core.store.readStream<SessionEvent>(sessionStreamId(id))).filter((e) => e.type === 'SessionStarted');
      const deadline = Date.parse(started.type === 'SessionStarted' ? started.data.deadline : '');
      await api.core.session(id, 'FinishSession', { timeout: true }, SYSTEM_ACTOR, { now: new Date(deadline + 1_000) });
      const [terminate] = await eventually(() => {
        const sent = lms.acsRequests.filter((r) => (r.body.user as { sub: string }).sub === sub);
        return sent.length ? sent : null;
      }, 15_000);
      expect(terminate.body).toMatchObject({ action: 'terminate', incident_severity: 0, reason_code: 'time_expired', reason_msg: 'the time allowed for the exam ran out' });
      expect(terminate.status).toBe('terminated');
    });
  });
});
