/**
 * Two app nodes on one PostgreSQL database (reached through its Unix socket: the namespace has its own loopback) and
 * two Janus instances, run by test/browser/janus-failover.test.ts inside a network namespace of its own. The
 * test-taker's browser talks to node A, the proctor's to node B. The Janus holding the session's room is killed
 * mid-exam. Prints its findings as one JSON line on stdout (progress goes to stderr); the test asserts on them.
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBlobStore } from '../../../src/media/blob-store.js';
import { JanusEngine } from '../../../src/media/janus/engine.js';
import { startJanus, type RunningJanus } from '../../../src/media/janus/process.js';
import { eventually, startTestApi, type TestApi } from '../../support/api.js';
import { intoRunningExam, launchChromium, newContext, signIn } from '../../support/browser.js';
import { setUpNamespaceNetwork } from '../../support/netns.js';
import { publicationAfter, watchPublications } from './republish-probe.js';

const WEB_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const SESSION = 'janus-failover';
const SEGMENT_MS = 4_000;
const log = (message: string) => console.error(`[janus failover] ${message}`);
const said = (o: object) => JSON.stringify(o, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value));

process.on('unhandledRejection', (e) => log(`unhandled: ${(e as Error)?.stack ?? e}`));
setUpNamespaceNetwork();

// The server's TCP port is on the loopback outside; its socket file is in the shared file system.
const database = new URL(process.env.TEST_DATABASE_URL!);
database.searchParams.set('host', process.env.PG_SOCKET_DIR ?? '/tmp');
const postgresUrl = database.toString();

const root = mkdtempSync(join(tmpdir(), 'janus-failover-'));
const januses: RunningJanus[] = [
  await startJanus({ dir: join(root, 'janus1'), wsPort: 8188, rtpPortRange: '20000-20999' }),
  await startJanus({ dir: join(root, 'janus2'), wsPort: 8189, rtpPortRange: '21000-21999' }),
];
const urls = januses.map((j) => j.url);
// Janus writes recordings where the room's node said; the nodes share that folder (a shared volume in production).
const shared = join(root, 'media');
const node = (name: string) => (core: Parameters<typeof JanusEngine.start>[0]['core'], dataDir: string) => JanusEngine.start({
  core, blobs: new LocalBlobStore(join(dataDir, 'blobs')), dir: shared, urls, segmentMs: SEGMENT_MS,
  log: { info() {}, warn: (o, m) => log(`${name}: ${m} ${said(o)}`), error: (o, m) => log(`${name}: ${m} ${said(o)}`) },
});

const a: TestApi = await startTestApi({ media: 'janus' }, { webDir: WEB_DIR, postgresUrl, janus: node('A') });
const [{ schema }] = await a.core.db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
const b: TestApi = await startTestApi({ media: 'janus' }, { webDir: WEB_DIR, postgresUrl, joinSchema: schema, janus: node('B') });
const browser = await launchChromium();
try {
  await a.createSession(SESSION, { name: 'Janus failover exam', url: `${a.server.url}/demo-test.html`, student: 'student1' });
  const student = await (await newContext(browser, a.server.url, { watched: true })).newPage();
  await watchPublications(student);
  const proctor = await (await newContext(browser, b.server.url)).newPage();
  proctor.on('console', (m) => m.type() === 'warning' || m.type() === 'error' ? log(`proctor's page: ${m.text()}`) : undefined);
  student.on('console', (m) => m.type() === 'warning' || m.type() === 'error' ? log(`test-taker's page: ${m.text()}`) : undefined);
  await intoRunningExam(a, student, 'student1', SESSION);
  await signIn(proctor, 'proctor1');
  const tile = proctor.locator(`.tile[data-session="${SESSION}"]`);
  await tile.waitFor();
  const frames = async () => Number(await tile.getAttribute('data-frames'));
  const crossNodeFrames = await eventually(async () => ((await frames()) > 10 ? frames() : 0), 45_000).catch(() => frames());
  log(`the proctor on node B decodes the camera published through node A: ${crossNodeFrames} frames`);

  // A watch held by node B, asked about through node A (a balancer may send a browser's requests to any node).
  const watchVars = { s: SESSION };
  const offer = (await b.as('admin', `mutation($s: ID!) { watchMedia(sessionId: $s, active: false) { watchId streams { feed kind } } }`, watchVars)).watchMedia as { watchId: string; streams: Array<{ feed: string; kind: string }> };
  const quality = (by: string, api: TestApi) => api.errorCode(by, `mutation($s: ID!, $w: ID!) { setWatchQuality(sessionId: $s, watchId: $w, active: true) }`, { ...watchVars, w: offer.watchId });
  const routed = {
    feeds: offer.streams.map((s) => `${s.feed}:${s.kind}`).sort(),
    qualityThroughA: (await quality('admin', a)) ?? 'ok',
    someoneElseThroughA: (await quality('proctor1', a)) ?? 'ok',
    stopThroughA: (await a.errorCode('admin', `mutation($s: ID!, $w: ID!) { stopWatching(sessionId: $s, watchId: $w) }`, { ...watchVars, w: offer.watchId })) ?? 'ok',
    qualityAfterStop: (await quality('admin', a)) ?? 'ok',
    watchesOnB: b.janus!.stats().watches,
  };
  log(`a watch of node B through node A: ${JSON.stringify(routed)}`);

  await eventually(async () => (await a.as('admin', `{ session(id: "${SESSION}") { recordings { seq } } }`)).session.recordings.length >= 2, 30_000).catch(() => null);
  const placedOn = (await a.janus!.placementOf(SESSION))!;
  const killed = januses[urls.indexOf(placedOn)];
  const framesBeforeKill = await frames();
  const publishersBeforeKill = a.janus!.stats().publishers;
  const killedAt = Date.now();
  process.kill(killed.pid, 'SIGKILL');
  log(`killed the Janus holding the room (${placedOn}, pid ${killed.pid}) at ${framesBeforeKill} frames`);
  const movedTo = await eventually(async () => {
    const now = await a.janus!.placementOf(SESSION);
    return now && now !== placedOn ? now : null;
  }, 60_000).catch(() => null);
  const msToMoved = Date.now() - killedAt;
  const republished = await publicationAfter(student, killedAt);
  const framesAgain = await eventually(async () => ((await frames()) > framesBeforeKill + 30 ? frames() : 0), 60_000).catch(() => frames());
  const msToPictureAgain = Date.now() - killedAt;
  const tileState = await tile.evaluate((t) => ({ ...(t as HTMLElement).dataset }));
  log(`the tile now: ${JSON.stringify(tileState)}; B watches ${b.janus!.stats().watches}`);
  log(`the page published again ${JSON.stringify(republished)}`);
  log(`room moved to ${movedTo} after ${msToMoved} ms; the proctor sees the camera again after ${msToPictureAgain} ms (${framesAgain} frames)`);
  const publishers = { before: publishersBeforeKill, a: a.janus!.stats().publishers, b: b.janus!.stats().publishers, lostOnA: a.janus!.stats().publishersLost };
  // Two more segments on the new Janus, then the end.
  await new Promise((r) => setTimeout(r, 2 * SEGMENT_MS + 1_000));
  await a.as('proctor1', `mutation { finishSession(id: "${SESSION}") { id } }`);
  type Seg = { track: string; seq: number; start: string; durationMs: number };
  const query = `{ session(id: "${SESSION}") { stoppedAt recordings { track seq start durationMs } } }`;
  const session = await eventually(async () => {
    const s = (await a.as('admin', query)).session as { stoppedAt: string; recordings: Seg[] };
    const end = (track: string) => Math.max(0, ...s.recordings.filter((r) => r.track === track).map((r) => Date.parse(r.start) + r.durationMs));
    return end('camera') >= Date.parse(s.stoppedAt) - 2 * SEGMENT_MS ? s : null;
  }, 60_000).catch(async () => (await a.as('admin', query)).session as { stoppedAt: string; recordings: Seg[] });
  const events = (await a.as('auditor1', `{ sessionEvents(id: "${SESSION}") { type data } }`)).sessionEvents as Array<{ type: string; data: Seg & { reason: string } }>;
  // Gaps with their cause (the cut publishers), and pieces that could not be converted.
  const lost = events.filter((e) => e.type === 'RecordingSegmentLost').map((e) => e.data);

  console.log(JSON.stringify({
    urls, crossNodeFrames, routed, placedOn, movedTo, msToMoved, framesBeforeKill, framesAgain, msToPictureAgain, publishers, republished,
    killedAt: new Date(killedAt).toISOString(), stoppedAt: session.stoppedAt, segments: session.recordings, lost,
  }));
} finally {
  await browser.close().catch(() => {});
  await b.close().catch(() => {});
  await a.close().catch(() => {});
  for (const j of januses) await j.stop().catch(() => {});
}
