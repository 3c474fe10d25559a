import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';

/** Fixture sessions for the user guide's search examples; `date` is the planned start (none has started). */
const FIXTURE = [
  { id: '123', name: 'Entrance exam', student: 'student1', proctor: 'proctor1', scheduledAt: '2025-03-01T10:00:00Z' },
  { id: '1234', name: 'Final exam', student: 'Student1', proctor: 'proctor2', scheduledAt: '2025-06-15T09:00:00Z' },
  { id: '99', name: 'Exam retake', student: 'student2', proctor: 'proctor3', scheduledAt: '2024-12-31T12:00:00Z' },
  { id: 'quiz-7', name: 'Weekly quiz', student: 'student3', proctor: 'proctor12', scheduledAt: '2026-01-01T08:00:00Z' },
  { id: 'ent-2', name: 'entrance exam in physics', student: 'student4', proctor: 'proctor1', scheduledAt: '2025-12-31T23:00:00Z' },
];

/** Every example of the user guide (operator table and free text), with the exact sessions it must find. */
const EXAMPLES: Array<[string, string[]]> = [
  ['date>2025-01-01', ['123', '1234', 'ent-2', 'quiz-7']],
  ['date<2025-12-31', ['123', '1234', '99']],
  ['date>=2025-01-01', ['123', '1234', 'ent-2', 'quiz-7']],
  ['date<=2025-12-31', ['123', '1234', '99', 'ent-2']],
  ['session=123', ['123']],
  ['session!=123', ['1234', '99', 'ent-2', 'quiz-7']],
  ['student==Student1', ['1234']],
  ['student!==student1', ['1234', '99', 'ent-2', 'quiz-7']],
  ['name~exam', ['123', '1234', 'ent-2']],
  ['name~*Exam', ['123', '1234', '99', 'ent-2']],
  ['student=student1&session=123', ['123']],
  ['^proctor1|proctor2$', ['123', '1234', 'ent-2']],
  ['(student=student1|student=student2)', ['123', '1234', '99']],
  ['"entrance exam"', ['123', 'ent-2']],
  ["'entrance exam'", ['123', 'ent-2']],
  ['student=student1,student2', ['123', '1234', '99']],
  ['^123$', ['123']],
  ['student1', ['123', '1234']],
  ['^entrance', ['123', 'ent-2']],
  ['exam', ['123', '1234', '99', 'ent-2']],
];

describe('the search language through the GraphQL API', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    // Past exams, created back then (a start in the past is refused at creation).
    for (const s of FIXTURE) {
      await api.core.session(s.id, 'CreateSession', { sessionId: s.id, name: s.name, student: s.student, proctor: s.proctor, durationMinutes: 60, scheduledAt: new Date(s.scheduledAt) },
        { id: 'admin', role: 'admin' }, { now: new Date('2024-12-01T00:00:00Z') });
    }
  });
  afterAll(async () => {
    await api.close();
  });

  for (const [query, expected] of EXAMPLES) {
    it(`finds ${expected.join(', ')} for ${query}`, async () => {
      const data = await api.as('admin', `query($q: String) { sessions(query: $q, first: 100) { totalCount edges { node { id } } } }`, { q: query });
      expect(data.sessions.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual([...expected].sort());
      expect(data.sessions.totalCount).toBe(expected.length);
    });
  }

  it('narrows a proctor\'s search to their own sessions', async () => {
    const data = await api.as('proctor1', `{ sessions(query: "exam") { edges { node { id } } } }`);
    expect(data.sessions.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(['123', 'ent-2']);
  });

  it('explains a mistake with its position and the nearest field', async () => {
    const r = await api.gql(`{ sessions(query: "score>50 & studnt=x") { totalCount } }`, {}, await api.login('admin'));
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', offset: 11, line: 1, column: 12 } });
    expect(r.errors?.[0].message).toMatch(/student/);
  });

  it('offers completion for the search box', async () => {
    const data = await api.as('proctor1', `{ searchCompletion(text: "stat", offset: 4) { fields start } }`);
    expect(data.searchCompletion).toEqual({ fields: ['status'], start: 0 });
  });

  it('filters live changes with the same expression', async () => {
    const client = api.wsClient(await api.login('admin'));
    const sub = api.subscribe(client, `subscription { sessionsChanged(query: "^entrance & date>=2027-01-01") { matches session { id } } }`);
    await sub.ready;
    await api.createSession('live-entrance', { name: 'Entrance test', scheduledAt: '2027-02-01T10:00:00Z' });
    await api.createSession('live-other', { name: 'Other test', scheduledAt: '2027-02-01T10:00:00Z' });
    await api.createSession('live-marker', { name: 'Entrance marker', scheduledAt: '2027-03-01T10:00:00Z' });
    const all = () => sub.results.flatMap((r) => (r.data?.sessionsChanged ?? []) as Array<{ matches: boolean; session: { id: string } }>);
    const changes = await eventually(() => (all().length >= 3 ? all() : null));
    expect(changes.map((c) => [c.session.id, c.matches])).toEqual([['live-entrance', true], ['live-other', false], ['live-marker', true]]);
    sub.dispose();
  });
});
