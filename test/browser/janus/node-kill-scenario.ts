/**
 * Three app node processes (MEDIA=janus, as an operator runs them) on one PostgreSQL database, behind nginx with the
 * deployment's configuration, one Janus, run by test/browser/janus-node-kill.test.ts inside a network namespace of
 * its own. Both browsers go through nginx. The node holding the test-taker's publishers is killed with SIGKILL
 * mid-exam; then the one holding them next is stopped with SIGTERM. Prints its findings as one JSON line on stdout (progress goes to stderr); the test asserts on them.
 */
import 'reflect-metadata';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Page } from 'playwright-core';
import { startJanus } from '../../../src/media/janus/process.js';
import { postgresAddress } from '../../../src/store/sql.js';
import { eventually } from '../../support/api.js';
import { launchChromium, newContext } from '../../support/browser.js';
import { AppNode, createDatabase } from '../../support/cluster.js';
import { setUpNamespaceNetwork } from '../../support/netns.js';
import { startNginx } from '../../support/nginx.js';
import { freePort } from '../../support/servers.js';
import { publicationAfter, watchPublications } from './republish-probe.js';

const SESSION = 'node-kill';
const PASSWORD = 'correct horse battery staple, twice';
const log = (message: string) => console.error(`[janus node kill] ${message}`);
process.on('unhandledRejection', (e) => log(`unhandled: ${(e as Error)?.stack ?? e}`));
setUpNamespaceNetwork();

const database = new URL(process.env.TEST_DATABASE_URL!);
database.searchParams.set('host', process.env.PG_SOCKET_DIR ?? '/tmp');
const db = await createDatabase(database.toString(), 'nodekill');
const { url: address, path } = postgresAddress(db.url);
const sql = postgres(address, { path, max: 1, onnotice: () => {} });
const root = mkdtempSync(join(tmpdir(), 'janus-node-kill-'));
// Janus's last lines, for a failure's log.
const janusLines: string[] = [];
const janus = await startJanus({
  dir: join(root, 'janus'), wsPort: 8188, rtpPortRange: '20000-20999', log: (line) => janusLines.push(line) > 400 && janusLines.shift(),
});
const shared = join(root, 'data');
const ports = [await freePort(), await freePort(), await freePort()];
const nodes = ports.map((port, i) => new AppNode(`node${i + 1}`, {
  PORT: String(port), DATABASE_URL: db.url, DATA_DIR: shared, MEDIA: 'janus', JANUS_URL: janus.url, JANUS_SEGMENT_SECONDS: '4',
  JWT_SECRET: 'node-kill-jwt-secret-node-kill-jwt-secret-0123456', EVENT_KEY: 'node-kill-event-key-node-kill-event-key-0123456',
  MASTER_KEY: Buffer.alloc(32, 5).toString('base64'), ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: PASSWORD, TRUSTED_PROXIES: '127.0.0.1',
  LOG_LEVEL: 'warn',
}));
const nginxPort = await freePort();
const browser = await launchChromium();
let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
try {
  await Promise.all(nodes.map((n) => n.ready()));
  nginx = await startNginx(join(root, 'nginx'), ports, nginxPort);
  const base = `http://127.0.0.1:${nginxPort}`;
  const tokens = new Map<string, string>();
  const gql = async (query: string, variables: Record<string, unknown> = {}, as?: string) => {
    let token = as ? tokens.get(as) : undefined;
    if (as && !token) {
      token = (await gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: as, p: PASSWORD })).login.token as string;
      tokens.set(as, token);
    }
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
    if (body.errors?.length) throw new Error(`${as ?? 'anonymous'}: ${JSON.stringify(body.errors)}`);
    return body.data!;
  };
  for (const [username, role] of [['student1', 'student'], ['proctor1', 'proctor']]) {
    await gql(`mutation($u: String!, $p: String!, $r: String!) { registerAccount(username: $u, password: $p, role: $r) { username } }`, { u: username, p: PASSWORD, r: role }, 'admin');
  }
  await gql(`mutation($i: CreateSessionInput!) { createSession(input: $i) { id } }`, { i: { id: SESSION, name: 'Node kill exam', url: `${base}/demo-test.html`, student: 'student1', proctor: 'proctor1', duration: 60 } }, 'admin');
  await gql(`mutation { checkIn(id: "${SESSION}", userAgent: "Chromium") { id } }`, {}, 'student1');
  await gql(`mutation { startSession(id: "${SESSION}") { id } }`, {}, 'student1');
  const signIn = async (page: Page, username: string) => {
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const student = await (await newContext(browser, base, { watched: true })).newPage();
  await watchPublications(student);
  student.on('console', (m) => (m.type() === 'warning' || m.type() === 'error') && log(`test-taker's page: ${m.text()}`));
  await signIn(student, 'student1');
  await student.getByText('My sessions').waitFor();
  await student.goto(`/#/exam/${SESSION}`);
  await student.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();
  const proctor = await (await newContext(browser, base)).newPage();
  await signIn(proctor, 'proctor1');
  const tile = proctor.locator(`.tile[data-session="${SESSION}"]`);
  await tile.waitFor();
  const frames = async () => Number(await tile.getAttribute('data-frames'));
  const framesFirst = await eventually(async () => ((await frames()) > 10 ? frames() : 0), 45_000).catch(() => frames());
  log(`the proctor sees the camera through nginx: ${framesFirst} frames`);

  // The node holding the publishers: the tag in the names of the recordings being written, the end of its name on the database.
  const recordings = join(shared, 'janus', 'recordings', SESSION);
  // The newest camera recording's tag (files of the killed node stay until they are stored).
  const tagNow = () => readdirSync(recordings).map((n) => /^camera-([0-9a-f]{6})-(\d+)-video/.exec(n)).filter((m) => m !== null)
    .sort((x, y) => Number(y![2]) - Number(x![2]))[0]?.[1] ?? null;
  const tag = await eventually(() => tagNow(), 20_000);
  /** The node process whose name on the database ends in `tag`. */
  const nodeTagged = async (tag: string) => {
    const [{ app }] = await sql<{ app: string }[]>`SELECT application_name AS app FROM pg_stat_activity WHERE right(application_name, 6) = ${tag} LIMIT 1`;
    const pid = Number(/^proctor \S+ (\d+) /.exec(app)![1]);
    return { pid, node: nodes.find((n) => n.pid === pid)! };
  };
  const { pid, node: victim } = await nodeTagged(tag);
  const segmentsNow = async () => (await gql(`{ session(id: "${SESSION}") { recordings { track seq start durationMs } } }`, {}, 'admin')).session.recordings as Array<{ track: string; seq: number; start: string; durationMs: number }>;
  await eventually(async () => (await segmentsNow()).filter((s) => s.track === 'camera').length >= 2, 30_000).catch(() => null);
  const framesBeforeKill = await frames();
  const killedAt = Date.now();
  victim.kill('SIGKILL');
  await victim.exited;
  log(`killed ${victim.name} (pid ${pid}, tag ${tag}), which held the publishers, at ${framesBeforeKill} frames`);

  // The tile's count starts again with a new connection: the picture is back once it grew by 30 past either start.
  const pictureAgain = (before: number) => {
    let low = before;
    return eventually(async () => {
      const f = await frames();
      low = Math.min(low, f);
      return f > low + 30 ? f : 0;
    }, 90_000).catch(() => frames());
  };
  const framesAgain = await pictureAgain(framesBeforeKill);
  const msToPictureAgain = Date.now() - killedAt;
  // The node left saw the killed one gone from the database and told the test-taker's page to publish again.
  const republished = await publicationAfter(student, killedAt);
  log(`the page published again ${JSON.stringify(republished)}`);
  const told = (n: AppNode) => n.output.includes('their pages are told to publish again');
  const survivorTold = nodes.some((n) => n !== victim && told(n));
  /** Stops the node holding the publishers (recordings written under `tag`) with SIGTERM: what follows. */
  const stopHolder = async (tag: string) => {
    const { node: stopped } = await nodeTagged(tag);
    const framesBeforeStop = await frames();
    const nodeStoppedAt = Date.now();
    stopped.kill('SIGTERM');
    const stopCode = await stopped.exited;
    const msToStop = Date.now() - nodeStoppedAt;
    const framesAfterStop = await pictureAgain(framesBeforeStop);
    const msToPictureAfterStop = Date.now() - nodeStoppedAt;
    const republishedAfterStop = await publicationAfter(student, nodeStoppedAt);
    const lastNode = nodes.find((n) => n !== victim && n !== stopped)!;
    const toldAfterStop = told(lastNode);
    const tagAfterStop = tagNow();
    log(`stopped ${stopped.name} (SIGTERM, exit ${stopCode} after ${msToStop} ms); the page published again ${JSON.stringify(republishedAfterStop)}; told by ${lastNode.name}: ${toldAfterStop}; the proctor sees the camera again after ${msToPictureAfterStop} ms (${framesAfterStop} frames); recordings now written under ${tagAfterStop}`);
    return { stopCode, framesBeforeStop, framesAfterStop, msToPictureAfterStop, republishedAfterStop, toldAfterStop, tagAfterStop, nodeStoppedAt: new Date(nodeStoppedAt).toISOString() };
  };
  const newTag = tagNow();
  if (!newTag) {
    // Nothing published again: what the nodes left and Janus said, to find why.
    for (const n of nodes) if (n !== victim) log(`${n.name} said:\n${n.output.slice(-6_000)}`);
    log(`Janus (${janus.exited ? 'exited' : 'running'}) said:\n${janusLines.slice(-60).join('\n')}`);
  }
  log(`the proctor sees the camera again after ${msToPictureAgain} ms (${framesAgain} frames; the page told by the node left: ${survivorTold}); recordings now written under ${newTag}`);
  // What the killed node was recording is stored by the one left, a few seconds after it saw the node gone (else at
  // its next look through the shared folder, ≤ 60 s): its files are gone from the folder once stored.
  const deadFiles = () => readdirSync(recordings).filter((n) => n.endsWith('.mjr') && n.includes(`-${tag}-`));
  const coveredKill = await eventually(() => deadFiles().length === 0, 100_000).then(() => true, () => false);
  const msToStored = Date.now() - killedAt;
  log(`the killed node's recordings stored: ${coveredKill}, ${msToStored} ms after the kill`);

  // The node now holding the publishers is stopped as a deployment stops one (SIGTERM): it stores what it recorded,
  // and leaves its records of who holds what for the node left, which tells the page to publish again.
  const stop = newTag ? await stopHolder(newTag) : null;
  await gql(`mutation { finishSession(id: "${SESSION}") { id } }`, {}, 'proctor1');
  const segments = await eventually(async () => {
    const s = await segmentsNow();
    const stoppedAt = Date.parse((await gql(`{ session(id: "${SESSION}") { stoppedAt } }`, {}, 'admin')).session.stoppedAt);
    const end = Math.max(0, ...s.filter((r) => r.track === 'camera').map((r) => Date.parse(r.start) + r.durationMs));
    return end >= stoppedAt - 8_000 ? s : null;
  }, 60_000).catch(() => segmentsNow());
  log(`finished: ${segments.length} segments`);
  type Seg = { track: string; seq: number; start: string; durationMs: number };
  const events = (await gql(`{ sessionEvents(id: "${SESSION}") { type data } }`, {}, 'admin')).sessionEvents as Array<{ type: string; data: Seg & { reason: string } }>;
  // Gaps with their cause (the cut publishers), and pieces that could not be converted.
  const lost = events.filter((e) => e.type === 'RecordingSegmentLost').map((e) => e.data);
  log(`gaps said: ${JSON.stringify(lost)}`);
  const left = readdirSync(recordings).filter((n) => n.endsWith('.mjr'));
  console.log(JSON.stringify({
    framesFirst, framesBeforeKill, framesAgain, msToPictureAgain, survivorTold, republished, tag, newTag, coveredKill, msToStored,
    stop, killedAt: new Date(killedAt).toISOString(), segments, lost, left,
  }));
} finally {
  await nginx?.stop();
  await browser.close().catch(() => {});
  for (const n of nodes) await n.dispose().catch(() => {});
  await janus.stop().catch(() => {});
  await sql.end({ timeout: 5 }).catch(() => {});
  await db.drop().catch(() => {});
}
