/**
 * The export bench against a real server process (`npm run bench:export -- --server`): a node started as `npm start`
 * starts it (production mode, on a database of its own on the PostgreSQL server), compiled (`node dist/main.js`) and
 * from source under tsx (`npm run dev`), in turns, `--starts N` times each (default 3). For each start: the server's
 * RSS once it answers and 3 s later (idle), then 100,000 sessions written straight into its monitor read model, one
 * export of every field through `exportSessions` and `GET /exports/:id` read to the end over loopback HTTP, with the
 * server's RSS sampled from /proc every 10 ms while it runs, and `COPY (SELECT the same columns …) TO STDOUT` of the
 * same rows for the ratio (once to warm the caches, once measured after the export). SERVER_NODE_OPTIONS becomes the
 * server's NODE_OPTIONS (V8 flags to try, say).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import postgres from 'postgres';
import { FIELDS } from '../src/projections/search/fields.js';
import { openPostgres } from '../src/store/sql.js';
import { seedMonitorRows } from '../test/support/monitor-seed.js';
import { startDeployment, type Runtime } from './load/deployment.js';

const MB = 1024; // /proc reports kB

interface ServerRun {
  runtime: Runtime;
  idleMb: number;
  beforeMb: number;
  peakMb: number;
  hwmMb: number;
  exportS: number;
  /** CPU seconds the server process spent during the export (every thread). */
  cpuS: number;
  bytes: number;
  copyS: number;
  load: string;
}

/** CPU seconds (user + system) a local process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks of 1/100 s
}

/** VmRSS and VmHWM (the process's peak so far) of a local process, in MB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / MB, hwm: kb('VmHWM') / MB };
}

async function graphql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (!body.data) throw new Error(`GraphQL: ${body.errors?.map((e) => e.message).join('; ') ?? res.status}`);
  return body.data;
}

/** Reads the download to its end, counting bytes, while `sample` runs every 10 ms. */
async function download(url: string, sample: () => void): Promise<{ bytes: number; seconds: number }> {
  const timer = setInterval(sample, 10);
  const start = performance.now();
  try {
    const res = await fetch(url);
    if (res.status !== 200 || !res.body) throw new Error(`GET ${url} answered ${res.status}`);
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Uint8Array).length;
    return { bytes, seconds: (performance.now() - start) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

async function oneStart(serverUrl: string, rows: number, runtime: Runtime): Promise<ServerRun> {
  const deployment = await startDeployment({ databaseUrl: serverUrl, nodes: 1, cpuProfDir: null, env: { LOG_LEVEL: 'warn', ...(process.env.SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVER_NODE_OPTIONS } : {}) }, log: (l) => console.error(l), runtime });
  try {
    const [{ url, pid }] = deployment.nodes;
    if (pid === null) throw new Error('the server process is not visible from here');
    const { login } = await graphql<{ login: { token: string } }>(url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
      { u: deployment.admin.username, p: deployment.admin.password });
    await delay(3000); // what the process holds once started and idle, not while its modules are still settling
    const idleMb = memory(pid).rss;
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${deployment.database}`;
    const db = await openPostgres(databaseUrl.toString(), { max: 1 });
    const raw = postgres(databaseUrl.toString(), { max: 1, onnotice: () => {} });
    try {
      await seedMonitorRows(db, rows);
      await db.exec('ANALYZE monitor_sessions');
      const select = `SELECT ${FIELDS.map((f) => `${f.column} AS "${f.name}"`).join(', ')} FROM monitor_sessions ORDER BY date DESC, session_id DESC`;
      const copy = async () => {
        const start = performance.now();
        const stream = await raw.unsafe(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER)`).readable();
        for await (const _ of stream) void _;
        stream._read(0); // resumes postgres.js's socket (see bench/export.ts)
        return (performance.now() - start) / 1000;
      };
      await copy();
      const beforeMb = memory(pid).rss;
      let peakMb = beforeMb;
      const { exportSessions } = await graphql<{ exportSessions: { path: string } }>(url,
        'mutation($f: [String!]!) { exportSessions(fields: $f, format: CSV) { path } }', { f: FIELDS.map((f) => f.name) }, login.token);
      const cpu = cpuSeconds(pid);
      const got = await download(`${url}${exportSessions.path}`, () => (peakMb = Math.max(peakMb, memory(pid).rss)));
      const cpuS = cpuSeconds(pid) - cpu;
      const after = memory(pid);
      peakMb = Math.max(peakMb, after.rss);
      const copyS = await copy();
      return { runtime, idleMb, beforeMb, peakMb, hwmMb: after.hwm, exportS: got.seconds, cpuS, bytes: got.bytes, copyS, load: loadavg().map((l) => l.toFixed(1)).join(' ') };
    } finally {
      await raw.end({ timeout: 5 });
      await db.close();
    }
  } finally {
    await deployment.stop();
  }
}

/** Runs the server bench and prints one line per start and the range per runtime. */
export async function serverBench(serverUrl: string, rows: number, starts: number, runtimes: readonly Runtime[]): Promise<void> {
  console.log(`Export of ${rows.toLocaleString('en')} sessions, ${FIELDS.length} fields, CSV, by a server process on PostgreSQL over HTTP; node ${process.version}\n`);
  console.log('runtime    idle MB  before MB  peak MB  VmHWM MB  +MB  export s  CPU s   rows/s  COPY s  ÷ COPY  load 1/5/15 min');
  const runs: ServerRun[] = [];
  for (let i = 0; i < starts; i++) {
    for (const runtime of runtimes) {
      const r = await oneStart(serverUrl, rows, runtime);
      runs.push(r);
      console.log(`${r.runtime.padEnd(9)}  ${r.idleMb.toFixed(0).padStart(7)}  ${r.beforeMb.toFixed(0).padStart(9)}  ${r.peakMb.toFixed(0).padStart(7)}  `
        + `${r.hwmMb.toFixed(0).padStart(8)}  ${(r.peakMb - r.beforeMb).toFixed(0).padStart(3)}  ${r.exportS.toFixed(2).padStart(8)}  ${r.cpuS.toFixed(2).padStart(5)}  `
        + `${Math.round(rows / r.exportS).toLocaleString('en').padStart(7)}  ${r.copyS.toFixed(2).padStart(6)}  ${(r.exportS / r.copyS).toFixed(2).padStart(5)}×  ${r.load}`);
    }
  }
  const range = (values: number[], digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
  console.log('');
  for (const runtime of runtimes) {
    const mine = runs.filter((r) => r.runtime === runtime);
    console.log(`${runtime.padEnd(9)}  idle ${range(mine.map((r) => r.idleMb))} MB, peak during the export ${range(mine.map((r) => r.peakMb))} MB (goal < 150), `
      + `${range(mine.map((r) => rows / r.exportS / 1000), 1)}k rows/s, ${range(mine.map((r) => r.cpuS), 2)} CPU s, ${range(mine.map((r) => r.exportS / r.copyS), 2)}× COPY's time`);
  }
}
