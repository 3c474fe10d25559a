import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../support/api.js';
import { holdChromium } from '../support/browser.js';
import { AppNode, createDatabase, projectionLeaderPid } from '../support/cluster.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const serverUrl = testPostgresUrl();
const PASSWORD = 'correct horse battery staple';
const STUDENTS = 9;
const PROCTORS = 3;
const ENV = {
  JWT_SECRET: 'k3Jd9-Vq7xLm2Rt8Wz4Bn6Yc1Hf5Gs0Pe9Ua3Io7Kl2',
  EVENT_KEY: 'cluster-test-event-key-cluster-test-event-key',
  // The same media master key on every node (production refuses to start without one).
  MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  ADMIN_USERNAME: 'admin',
  ADMIN_PASSWORD: PASSWORD,
};

type Gql = { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/**
 * Three app nodes on one PostgreSQL database, as a load balancer without sticky sessions would use them: every request
 * and socket goes to whichever node is up, starting from a different one for each client, and moves on when its node
 * is gone (a retried command carries its command id, so nothing is done twice).
 */
class Cluster {
  constructor(readonly nodes: AppNode[]) {}

  get alive(): AppNode[] {
    return this.nodes.filter((n) => n.alive);
  }

  /** Runs an operation on the nodes from `first` on, until one answers (a node gone refuses or resets the request). */
  async gql(first: number, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Gql> {
    let lastError: unknown;
    for (let i = 0; i < this.nodes.length * 2; i++) {
      const node = this.nodes[(first + i) % this.nodes.length];
      if (!node.alive) continue;
      try {
        const res = await fetch(`${node.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
        if (res.status === 502 || res.status === 503) throw new Error(`node ${node.name} answered ${res.status}`);
        return (await res.json()) as Gql;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  async as(first: number, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const r = await this.gql(first, query, variables, token);
    if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  }

  async login(first: number, username: string): Promise<string> {
    const r = await this.as(first, '', `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: username, p: PASSWORD });
    return r.login.token as string;
  }
}

/** A proctor's monitor as the web client keeps it: the list read once, then changes applied, read again on reconnect. */
class ProctorView {
  readonly versions = new Map<string, number>();
  connections: string[] = [];
  private readonly client: Client;

  constructor(private readonly cluster: Cluster, readonly index: number, private readonly token: string) {
    let attempt = 0;
    this.client = createClient({
      // Whichever node is up, starting from this proctor's own: a balancer's choice on each (re)connection.
      url: () => {
        const alive = cluster.alive;
        return `${alive[(index + attempt++) % alive.length].url.replace('http', 'ws')}/graphql`;
      },
      webSocketImpl: WebSocket,
      connectionParams: { token },
      lazy: false,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: () => new Promise((r) => setTimeout(r, 100 + Math.random() * 200)),
      on: {
        connected: (socket) => {
          this.connections.push((socket as WebSocket).url);
          if (this.connections.length > 1) void this.load().catch(() => {}); // what was sent while it was down is not sent again
        },
      },
    });
    this.client.subscribe({ query: `subscription { sessionsChanged { matches session { id version } } }` }, {
      next: (r) => {
        for (const c of ((r.data as any)?.sessionsChanged ?? []) as Array<{ session: { id: string; version: number } }>) this.see(c.session);
      },
      error: () => {},
      complete: () => {},
    });
  }

  async load(): Promise<void> {
    const data = await this.cluster.as(this.index, this.token, `{ sessions(first: 100) { edges { node { id version } } } }`);
    for (const { node } of data.sessions.edges as Array<{ node: { id: string; version: number } }>) this.see(node);
  }

  private see(s: { id: string; version: number }): void {
    if ((this.versions.get(s.id) ?? -1) < s.version) this.versions.set(s.id, s.version);
  }

  close(): Promise<void> {
    return this.client.dispose() as Promise<void>;
  }
}

describeWithServer('three app nodes on one PostgreSQL database, one killed under load', Boolean(serverUrl), NO_POSTGRES_REASON, () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let sql: postgres.Sql;
  let cluster: Cluster;
  let admin: string;
  const proctors: ProctorView[] = [];
  const students: Array<{ token: string; sessionId: string }> = [];

  let releaseMachine: (() => void) | undefined;
  beforeAll(async () => {
    // Three app nodes, PostgreSQL and nine test-takers in a loop take both cores: not beside a file capturing media.
    releaseMachine = await holdChromium('machine');
    db = await createDatabase(serverUrl!, 'cluster');
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
    // All three start together on the empty database: one of them makes the administrator, the others wait for it.
    const nodes = ['a', 'b', 'c'].map((name) => new AppNode(name, { ...ENV, DATABASE_URL: db.url }));
    cluster = new Cluster(nodes);
    await Promise.all(nodes.map((n) => n.ready()));
    admin = await cluster.login(0, 'admin');
    for (let p = 0; p < PROCTORS; p++) {
      await cluster.as(p, admin, `mutation($u: String!, $p: String!) { registerAccount(username: $u, role: "proctor", password: $p) { username } }`, { u: `proctor${p}`, p: PASSWORD });
    }
    students.push(...(await Promise.all(Array.from({ length: STUDENTS }, async (_, s) => {
      const sessionId = `exam-${s}`;
      await cluster.as(s, admin, `mutation($u: String!, $p: String!) { registerAccount(username: $u, role: "student", password: $p) { username } }`, { u: `student${s}`, p: PASSWORD });
      await cluster.as(s, admin, `mutation($input: CreateSessionInput!) { createSession(input: $input) { id } }`, {
        input: { id: sessionId, name: `Exam ${s}`, student: `student${s}`, proctor: `proctor${s % PROCTORS}`, duration: 120 },
      });
      const token = await cluster.login(s, `student${s}`);
      await cluster.as(s + 1, token, `mutation($id: ID!) { checkIn(id: $id, userAgent: "Chromium 156") { status } }`, { id: sessionId });
      await cluster.as(s + 2, token, `mutation($id: ID!) { startSession(id: $id) { status } }`, { id: sessionId });
      return { token, sessionId };
    }))));
    for (let p = 0; p < PROCTORS; p++) {
      const view = new ProctorView(cluster, p, await cluster.login(p, `proctor${p}`));
      await eventually(() => view.connections.length > 0, 10_000);
      await view.load();
      proctors.push(view);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(proctors.map((p) => p.close()));
    await Promise.all((cluster?.nodes ?? []).map((n) => n.dispose()));
    await sql?.end({ timeout: 5 });
    await db?.drop();
    releaseMachine?.();
  });

  it('loses no acknowledged event, moves the projection lead within 5 s, and every proctor\'s list converges', async () => {
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let loading = true;
    // Each test-taker sends chat messages in a loop, each to the next node; a message whose node died is sent again
    // elsewhere with the same command id.
    const load = students.map(async ({ token, sessionId }, s) => {
      for (let n = 0; loading; n++) {
        const text = `${sessionId} message ${n}`;
        const commandId = randomUUID();
        const r = await cluster.gql(s + n, `mutation($s: ID!, $t: String!, $c: ID) { sendMessage(sessionId: $s, text: $t, commandId: $c) { id } }`, { s: sessionId, t: text, c: commandId }, token)
          .catch((error: Error) => ({ errors: [{ message: error.message }] }) as Gql);
        if (r.errors?.length) failures.push(`${text}: ${r.errors[0].message}`);
        else acknowledged.push(String(r.data?.sendMessage.id));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    await eventually(() => acknowledged.length >= 30, 20_000);
    const leaderPid = await eventually(() => projectionLeaderPid(sql), 5000);
    const leader = cluster.nodes.find((n) => n.pid === leaderPid)!;
    expect(leader).toBeDefined();
    const killedAt = performance.now();
    leader.kill('SIGKILL');
    const next = await eventually(async () => {
      const pid = await projectionLeaderPid(sql);
      return pid !== null && pid !== leaderPid ? pid : null;
    }, 5000);
    const failoverMs = performance.now() - killedAt;
    expect(cluster.alive.map((n) => n.pid)).toContain(next);

    const afterKill = acknowledged.length;
    await eventually(() => acknowledged.length >= afterKill + 30, 20_000);
    loading = false;
    await Promise.all(load);

    // Every acknowledged message is stored, once: by its id, as the texts are sealed in the stored events (personal data).
    const stored = (await sql<{ id: string }[]>`SELECT data->>'messageId' AS id FROM events WHERE type = 'MessageSent'`).map((r) => r.id);
    expect(new Set(stored).size).toBe(stored.length);
    expect(acknowledged.filter((t) => !stored.includes(t))).toEqual([]);
    // The read models hold every event: each session's row is at its stream's last version.
    const heads = await sql<{ id: string; version: number }[]>`SELECT substr(stream_id, 9) AS id, max(stream_version) AS version FROM events WHERE stream_id LIKE 'session-%' GROUP BY stream_id`;
    const expected = new Map(heads.map((h) => [h.id, h.version]));
    const rows = await cluster.as(0, admin, `{ sessions(first: 100) { edges { node { id version } } } }`);
    expect(new Map((rows.sessions.edges as Array<{ node: { id: string; version: number } }>).map((e) => [e.node.id, e.node.version]))).toEqual(expected);
    // Each proctor's list, fed by its subscription (and read again when its socket moved), reaches the same versions.
    for (const [p, view] of proctors.entries()) {
      const theirs = new Map([...expected].filter(([id]) => Number(id.split('-')[1]) % PROCTORS === p));
      await eventually(() => [...theirs].every(([id, v]) => view.versions.get(id) === v), 15_000);
    }
    // The proctor whose socket was on the killed node is connected to another one now.
    const moved = proctors.filter((v) => v.connections.some((u) => u.startsWith(leader.url.replace('http', 'ws'))));
    for (const view of moved) expect(view.connections.at(-1)!.startsWith(leader.url.replace('http', 'ws'))).toBe(false);
    console.log(`cluster: ${acknowledged.length} messages acknowledged, ${failures.length} refused; lead moved in ${Math.round(failoverMs)} ms; ${moved.length} proctor socket(s) moved`);
    expect(failures.filter((f) => !/fetch failed|ECONNRESET|socket hang up|other side closed/.test(f))).toEqual([]);
  });

  it('drains a node stopped with SIGTERM: it exits within 5 s, its sockets move to the node left', async () => {
    const stopping = cluster.alive[0];
    const before = proctors.map((v) => v.connections.length);
    const started = performance.now();
    stopping.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
    const [last] = cluster.alive;
    await eventually(async () => (await projectionLeaderPid(sql)) === last.pid, 5000);
    // A proctor that was on the stopped node reconnects, and sees what happens next.
    const wsOf = (node: AppNode) => node.url.replace('http', 'ws');
    for (const [p, view] of proctors.entries()) {
      if (view.connections.at(-1)!.startsWith(wsOf(stopping))) await eventually(() => view.connections.length > before[p] && view.connections.at(-1)!.startsWith(wsOf(last)), 10_000);
    }
    const { token, sessionId } = students[0];
    const sent = await cluster.as(0, token, `mutation($s: ID!) { sendMessage(sessionId: $s, text: "after the drain") { id } }`, { s: sessionId });
    expect(sent.sendMessage.id).toBeTruthy();
    const [{ version }] = await sql<{ version: number }[]>`SELECT max(stream_version) AS version FROM events WHERE stream_id = ${`session-${sessionId}`}`;
    await eventually(() => proctors[0].versions.get(sessionId) === version, 10_000);
  });
});
