import fc from 'fast-check';
import {
  getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType, type GraphQLArgument,
  type GraphQLField, type GraphQLInputType, type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiSchema } from '../../src/api/schema.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

/**
 * Every mutation of the API, driven with generated input by every kind of user: each must either refuse clearly (an
 * error with a code other than INTERNAL_SERVER_ERROR) or be stored so that every read model applies it. Afterwards
 * /healthz is 200, no projection failed, and another user's next command succeeds.
 */

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const RUNS = Number(process.env.ANY_INPUT_RUNS ?? 500);
const USERS = ['admin', 'proctor1', 'student1', 'auditor1', 'lms'] as const;

/** Values that mean something here, so generated calls reach the rules and not only the first refusal. */
const KNOWN = {
  ids: ['any-live', 'any-done', 'any-self', 'any-new'],
  // Not admin: a generated password reset must leave someone to check, afterwards, that the system still works.
  users: ['student1', 'proctor1', 'proctor2', 'lms'],
  words: ['camera', 'screen', 'mobile', 'face', 'document', 'attachment', 'positive', 'negative', 'proctor', 'student'],
};

/** Strings that broke read models once, and their relatives. */
const nasty = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x'.repeat(9000), '2147483648', '1e300', '-1', '0000-01-01T00:00:00Z', '../../etc/passwd', '%00', '\u202e', 'ß'.repeat(200)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
);

/** Mostly values that fit the argument (by its name), sometimes anything at all. */
function stringArbitrary(name: string, knownFiles: readonly string[]): fc.Arbitrary<string> {
  const fitting: fc.Arbitrary<string> = (() => {
    if (/^(id|sessionId)$/.test(name)) return fc.constantFrom(...KNOWN.ids);
    if (/^(username|proctor|student|nickname)$/.test(name)) return fc.constantFrom(...KNOWN.users);
    if (/(photo|attachment|file)Id$/i.test(name) && knownFiles.length) return fc.constantFrom(...knownFiles);
    if (name === 'track') return fc.constantFrom('camera', 'screen', 'mobile');
    if (name === 'kind') return fc.constantFrom('face', 'document', 'attachment');
    if (name === 'code') return fc.constantFrom('b1', 'b2', 'c2', 'm2', 'n1', 's1', 'x9');
    if (/^(text|reason|comment|name|detail|message)$/.test(name)) return fc.string({ minLength: 1, maxLength: 80 });
    return fc.constantFrom(...KNOWN.ids, ...KNOWN.users, ...KNOWN.words, ...knownFiles);
  })();
  return fc.oneof({ weight: 4, arbitrary: fitting }, { weight: 1, arbitrary: nasty });
}

const dateArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -120, max: 60 * 24 * 30 }).map((minutes) => new Date(Date.now() + minutes * 60_000).toISOString()) },
  fc.constantFrom('0000-01-01T00:00:00Z', '-271821-04-20T00:00:00Z', '+200000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', 'not a date', '2026-13-45T99:99:99Z'),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
);

function valueFor(type: GraphQLInputType, name: string, files: readonly string[], depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return presentValueFor(type.ofType, name, files, depth);
  return fc.option(presentValueFor(type, name, files, depth), { nil: null, freq: 5 });
}

function presentValueFor(type: GraphQLInputType, name: string, files: readonly string[], depth: number): fc.Arbitrary<unknown> {
  const inner: fc.Arbitrary<unknown> = (() => {
    if (isListType(type)) return fc.array(valueFor(type.ofType, name, files, depth + 1), { maxLength: depth > 1 ? 2 : 5 });
    if (isEnumType(type)) return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.value as unknown)) }, { weight: 1, arbitrary: fc.constant('NOT_A_VALUE') });
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, f.name, files, depth + 1)])), {
        requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name),
      });
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'Int':
          return fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 120 }) }, { weight: 1, arbitrary: fc.constantFrom(2147483647, -2147483648, -1, 1440, 100000) });
        case 'Float':
          return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e300, -0, 0.5, 50, 100));
        case 'Boolean':
          return fc.boolean();
        case 'DateTimeISO':
          return dateArbitrary;
        case 'JSON':
          return fc.jsonValue({ maxDepth: 2 });
        default:
          return stringArbitrary(name, files);
      }
    }
    throw new Error(`no arbitrary for ${String(type)}`);
  })();
  return inner;
}

function selectionFor(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return isObjectType(named) ? ' { __typename }' : '';
}

function operationFor(field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a: GraphQLArgument) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `mutation${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''}${selectionFor(field)} }`;
}

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`any input to any mutation ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let schema: GraphQLSchema;
  const files: string[] = [];

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    schema = await buildApiSchema();
    await api.createSession('any-live', { secondCamera: true });
    await api.as('student1', `mutation { checkIn(id: "any-live", userAgent: "Chromium 156") { status } }`);
    for (const kind of ['face', 'document', 'attachment']) {
      const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
      const uploaded = await api.upload('student1', 'any-live', jpeg, { kind, name: `${kind}.jpg` });
      files.push(uploaded.json.fileId);
    }
    await api.as('student1', `mutation { startSession(id: "any-live") { status } }`);
    await api.createSession('any-done', { student: 'student2' });
    await api.as('student2', `mutation { checkIn(id: "any-done", userAgent: "Chromium 156") { status } }`);
    await api.as('student2', `mutation { startSession(id: "any-done") { status } }`);
    await api.as('proctor1', `mutation { finishSession(id: "any-done") { status } }`);
    await api.createSession('any-self', { proctor: null, selfScheduling: true });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  // Before the generated calls, which may disable accounts and end sessions.
  describe('the inputs that once stopped every write', () => {
    it('refuses them with BAD_USER_INPUT and the field, and the next command by another user succeeds', async () => {
      // A session of its own: the generated calls above may have ended the others.
      await api.createSession('poison-1', { student: 'student2', proctor: 'proctor2' });
      await api.as('student2', `mutation { checkIn(id: "poison-1", userAgent: "Chromium 156") { status } }`);
      const photo = await api.gql(`mutation($p: String!) { submitIdentityPhoto(id: "poison-1", photoId: $p, kind: "face") { id } }`, { p: 'x'.repeat(9000) }, await api.login('student2'));
      expect(photo.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'photo id' });
      const year0 = await api.gql(`mutation($i: CreateSessionInput!) { createSession(input: $i) { id } }`, {
        i: { id: 'year-0', name: 'Year 0', student: 'student1', duration: 60, scheduledAt: '0000-01-01T00:00:00.000Z' },
      }, await api.login('admin'));
      expect(year0.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const nul = await api.gql(`mutation { login(username: "ad\\u0000min", password: "x") { token } }`);
      expect(nul.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const nulVar = await api.gql(`query($id: ID!) { session(id: $id) { id } }`, { id: 'any\u0000live' }, await api.login('admin'));
      expect(nulVar.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      await api.createSession('after-poison', { student: 'student2', proctor: 'proctor2' }, 'admin');
      expect((await fetch(`${api.server.url}/healthz`)).status).toBe(200);
    });

    it('answers 400 for a NUL byte or bad percent-encoding in an address', async () => {
      for (const path of ['/recordings/any%00live/camera/0', '/recordings/%E0%A4%A/camera/0', '/files/%ZZ', '/%C0%AF']) {
        const res = await fetch(`${api.server.url}${path}`);
        expect(res.status, path).toBe(400);
      }
      const res = await fetch(`${api.server.url}/recordings?sessionId=any%00live&track=camera&seq=0&start=2026-01-01T00:00:00Z&durationMs=1000`, { method: 'POST', body: 'x' });
      expect(res.status).toBe(400);
    });
  });

  it('refuses clearly or stores what every read model can hold, for every mutation and every kind of user', async () => {
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThan(30);
    const calls = fc.oneof(
      ...mutations.map((field) =>
        fc.record({
          field: fc.constant(field),
          user: fc.constantFrom(...USERS),
          variables: fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueFor(a.type, a.name, files)]))),
        }),
      ),
    );
    const internal: string[] = [];
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(calls, async ({ field, user, variables }) => {
        seen.set(field.name, (seen.get(field.name) ?? 0) + 1);
        const token = await api.login(user).catch(() => null); // a generated call may have disabled the account or changed its password
        const res = await fetch(`${api.server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query: operationFor(field), variables }),
        });
        const body = (await res.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
        const bad = (body.errors ?? []).filter((e) => !e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR');
        if (res.status >= 500 || bad.length) internal.push(`${user} ${field.name}(${JSON.stringify(variables).slice(0, 300)}) → ${res.status} ${JSON.stringify(bad)}`);
        return res.status < 500 && bad.length === 0;
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(internal).toEqual([]);
    // Every projection applied whatever was stored.
    const health = await fetch(`${api.server.url}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
    expect((await api.core.runner.status()).filter((s) => s.failure)).toEqual([]);
    // And the system still works for someone else.
    await api.createSession(`after-${engine.length}-${Date.now()}`, { student: 'student2' }, 'admin');
    expect(seen.size).toBeGreaterThan(mutations.length / 2);
  }, 600_000);
});
