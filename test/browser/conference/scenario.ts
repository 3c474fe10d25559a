/**
 * Three people in one conference room, in real Chromium: they see and hear each other, one mutes, one leaves and
 * rejoins, one closes its tab. Run in-process for p2p (test/browser/conference.test.ts) and, for janus mode, as a
 * script inside a network namespace of its own (Janus gathers no candidates on loopback), where it prints its
 * findings as one JSON line. Every step waits on a condition read from the pages (getStats through the tiles).
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { LocalBlobStore } from '../../../src/media/blob-store.js';
import { JanusEngine } from '../../../src/media/janus/engine.js';
import { conferenceRoomsOf } from '../../../src/media/conference/janus-rooms.js';
import { eventually, startTestApi } from '../../support/api.js';
import { launchChromium, newContext, peerStates, signIn } from '../../support/browser.js';
import { sessionUnderReview } from '../../support/committee.js';

const WEB_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));
export const SESSION = 'conference-1';
/** An administrator, a proctor who is not the session's, and the session's own test-taker (a hearing). */
export const PEOPLE = ['admin', 'proctor2', 'student1'] as const;
type Person = (typeof PEOPLE)[number];

export interface Findings {
  engine: string;
  /** Per viewer, per other member: frames decoded when first seen, a little later, and audio energy received. */
  joined: Record<string, Record<string, { frames: number; later: number; energy: number }>>;
  /** In janus mode, how many people published to Janus while all three were in. */
  janusFeedsJoined: number | null;
  muted: {
    /** The viewers who saw student1's tile say muted. */
    seenBy: string[];
    /** Audio energy from student1 (muted) and from the third member (not) at each viewer over the same stretch, once student1's stalled. */
    stretch: Record<string, { mutedDelta: number; otherDelta: number }>;
    /** student1's energy grew again at every viewer after unmuting. */
    resumed: boolean;
    /** The camera-off sign showed on the others' tiles. */
    cameraOffSeen: boolean;
  };
  left: { goneFrom: string[]; msToGone: number; rejoinButton: boolean };
  rejoined: { seenBy: string[]; framesAtRejoiner: Record<string, number> };
  /** p2p: student1's connections were cut under it (closed from outside the app); who got its picture back, and when. */
  recovered: { seenBy: string[]; sees: string[]; msToBack: number } | null;
  closed: { goneFrom: string[]; msToGone: number; janusFeedsAfter: number | null };
  /** Pairs the mesh had to make again because their negotiation stalled (none should: each costs 20 s of picture). */
  stalled: string[];
}

const tile = (page: Page, member: string) => page.locator(`.conference-tile[data-member="${member}"]`);
const attr = async (page: Page, member: string, name: string) => Number(await tile(page, member).getAttribute(name, { timeout: 2000 }));
/** Resolves after the pages' next stats refresh (the tiles refresh every second). */
const tick = (page: Page, member: string) => attr(page, member, 'data-frames').then((f) => eventually(async () => (await attr(page, member, 'data-frames')) > f, 10_000));

export async function runConferenceScenario(mode: 'p2p' | 'janus', options: { shots?: string; log?: (m: string) => void } = {}): Promise<Findings> {
  const log = options.log ?? (() => {});
  /** What the pages warned of (a failed description or candidate), told only when a step fails. */
  const warnings: string[] = [];
  const api = await startTestApi({ media: mode }, {
    webDir: WEB_DIR,
    janus: mode === 'janus' ? (core, dataDir) => JanusEngine.start({ core, blobs: new LocalBlobStore(join(dataDir, 'blobs')), dir: join(dataDir, 'janus'), port: 8188 }) : undefined,
  });
  let browser: Browser | null = null;
  const pages = {} as Record<Person, Page>;
  try {
    // The committee's room: proctor2 sits on it, student1 is heard, the administrator may always come in.
    await sessionUnderReview(api, SESSION, { members: ['proctor2'], chair: 'proctor2' }, { name: 'Disputed exam' });
    browser = await launchChromium();
    for (const person of PEOPLE) {
      const context = await newContext(browser, api.server.url, { watched: true });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'warning' || m.type() === 'error') warnings.push(`${person}: ${m.text().slice(0, 300)}`);
      });
      await signIn(page, person);
      await page.waitForURL(/#\/(monitor|sessions)/);
      pages[person] = page;
    }
    const engine = await pages.admin.evaluate(async () => (await (await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ mediaEngine }"}' })).json()).data.mediaEngine);
    for (const person of PEOPLE) await pages[person].goto(`/#/conference/${SESSION}`);
    const joined = await seeing(pages, log);
    log(`everyone sees and hears everyone: ${JSON.stringify(joined)}`);
    const janusFeedsJoined = api.janus ? conferenceRoomsOf(api.janus).size.feeds : null;
    if (options.shots) await screenshots(pages.admin, options.shots);

    const muted = await muting(pages, log);
    const left = await leaving(pages, 'proctor2');
    log(`proctor2 left: ${JSON.stringify(left)}`);
    const rejoined = await rejoining(pages, 'proctor2');
    log(`proctor2 is back: ${JSON.stringify(rejoined)}`);
    const recovered = engine === 'p2p' ? await recovering(pages, 'student1') : null;
    if (recovered) log(`student1's connections cut, and back: ${JSON.stringify(recovered)}`);
    // Pairs the mesh made again, and why.
    if (warnings.length) log(`the pages warned: ${JSON.stringify(warnings.slice(-40))}`);

    const closedAt = performance.now();
    await pages.student1.close();
    const goneFrom: string[] = [];
    for (const viewer of ['admin', 'proctor2'] as const) {
      await eventually(async () => (await tile(pages[viewer], 'student1').count()) === 0, 30_000);
      goneFrom.push(viewer);
    }
    const closed = {
      goneFrom, msToGone: Math.round(performance.now() - closedAt),
      janusFeedsAfter: api.janus ? await janusFeeds(api.janus, 2) : null,
    };
    const stalled = warnings.filter((w) => w.includes('is made again: not negotiated'));
    return { engine, joined, janusFeedsJoined, muted, left, rejoined, recovered, closed, stalled };
  } catch (error) {
    // A pair that never connects (seen in CI, and alone on the mesh before it remade stalled pairs): every page's tiles
    // and peer connections, and what the pages warned of.
    for (const [person, page] of Object.entries(pages)) {
      if (page.isClosed()) continue;
      const tiles = await page.locator('.conference-tile[data-member]').evaluateAll((ts) => ts.map((t) => `${t.getAttribute('data-member')}: frames ${t.getAttribute('data-frames')} energy ${t.getAttribute('data-energy')} ${t.getAttribute('data-connection')}`)).catch((e) => [String(e)]);
      log(`${person} at the failure: tiles ${JSON.stringify(tiles)}, peers ${JSON.stringify(await peerStates(page).catch((e) => String(e)))}`);
    }
    log(`the pages warned: ${JSON.stringify(warnings.slice(-40))}`);
    throw error;
  } finally {
    await browser?.close();
    await api.close();
  }
}

/** Waits until each person decodes the two others' pictures (and keeps decoding them) and hears them. */
async function seeing(pages: Record<Person, Page>, log: (m: string) => void): Promise<Findings['joined']> {
  const joined: Findings['joined'] = Object.fromEntries(PEOPLE.map((viewer) => [viewer, {}]));
  // The six pairs at once: each waits on its own tile, and the pictures flow in all of them meanwhile.
  await Promise.all(PEOPLE.flatMap((viewer) => PEOPLE.filter((p) => p !== viewer).map(async (member) => {
    const page = pages[viewer];
    try {
      await eventually(async () => (await attr(page, member, 'data-frames')) > 10 && (await attr(page, member, 'data-energy')) > 0, 60_000);
    } catch (error) {
      log(`${viewer} never got ${member}'s picture and sound in 60 s`); // its tile and connection follow, with everyone's
      throw error;
    }
    const frames = await attr(page, member, 'data-frames');
    await eventually(async () => (await attr(page, member, 'data-frames')) > frames + 10, 20_000);
    joined[viewer][member] = { frames, later: await attr(page, member, 'data-frames'), energy: await attr(page, member, 'data-energy') };
  })));
  return joined;
}

/** `who` clicks Rejoin: the others decode it again, and it decodes them. */
async function rejoining(pages: Record<Person, Page>, who: Person): Promise<Findings['rejoined']> {
  await pages[who].getByRole('button', { name: 'Rejoin' }).click();
  const rejoined: Findings['rejoined'] = { seenBy: [], framesAtRejoiner: {} };
  for (const viewer of PEOPLE.filter((p) => p !== who)) {
    await eventually(async () => (await attr(pages[viewer], who, 'data-frames')) > 10, 60_000);
    rejoined.seenBy.push(viewer);
    rejoined.framesAtRejoiner[viewer] = await eventually(async () => {
      const f = await attr(pages[who], viewer, 'data-frames');
      return f > 10 ? f : 0;
    }, 60_000);
  }
  return rejoined;
}

/**
 * `who`'s peer connections are closed under the app (a dead network path: nothing tells the app): the others notice
 * theirs lose the way and make the pairs again, and `who` takes the new ones. How long until all see each other again.
 */
async function recovering(pages: Record<Person, Page>, who: Person): Promise<NonNullable<Findings['recovered']>> {
  const others = PEOPLE.filter((p) => p !== who);
  const made = (page: Page) => page.evaluate(() => (window as unknown as { capture: { peers: RTCPeerConnection[] } }).capture.peers.length);
  const before = Object.fromEntries(await Promise.all(PEOPLE.map(async (p) => [p, await made(pages[p])] as const)));
  const at = performance.now();
  const cut = await pages[who].evaluate(() => {
    const peers = (window as unknown as { capture: { peers: RTCPeerConnection[] } }).capture.peers.filter((p) => p.connectionState === 'connected');
    for (const p of peers) p.close();
    return peers.length;
  });
  if (cut !== others.length) throw new Error(`${who} had ${cut} connected peers, not ${others.length}`);
  const recovered: NonNullable<Findings['recovered']> = { seenBy: [], sees: [], msToBack: 0 };
  // A tile shows the newest connection of its pair: once a new one is made, its frames count from zero.
  const back = (viewer: Person, member: Person) => eventually(async () => (await made(pages[viewer])) > before[viewer]
    && (await tile(pages[viewer], member).getAttribute('data-connection')) === 'connected' && (await attr(pages[viewer], member, 'data-frames')) > 10, 60_000);
  await Promise.all(others.map(async (viewer) => {
    await back(viewer, who);
    recovered.seenBy.push(viewer);
    await back(who, viewer);
    recovered.sees.push(viewer);
  }));
  recovered.msToBack = Math.round(performance.now() - at);
  return recovered;
}

/**
 * Growth of a member's `totalAudioEnergy` (level² × seconds) that is silence: a muted microphone's packets decode to
 * the lowest levels (seen: 2e-9 a refresh, a level of about 1/32768), not always to exact zeros. Speech at -60 dBFS
 * for a second is 1e-6; the third member's grew by about 0.2 a refresh.
 */
export const SILENT_ENERGY = 1e-6;

/** student1 mutes: the others see it, and its sound energy stops growing while the third member's goes on; then unmutes, and camera off. */
async function muting(pages: Record<Person, Page>, log: (m: string) => void): Promise<Findings['muted']> {
  await pages.student1.getByRole('button', { name: 'Mute mic' }).click();
  const viewers = ['admin', 'proctor2'] as const;
  const seenBy: string[] = [];
  for (const v of viewers) {
    await tile(pages[v], 'student1').getByText('Muted').waitFor({ timeout: 15_000 });
    seenBy.push(v);
  }
  const stretch: Findings['muted']['stretch'] = {};
  for (const v of viewers) {
    const page = pages[v];
    // What was on its way when the microphone went off still arrives: wait until two refreshes bring nothing more.
    const seen: number[] = [];
    try {
      await eventually(async () => {
        const before = await attr(page, 'student1', 'data-energy');
        await tick(page, 'student1');
        await tick(page, 'student1');
        seen.push(before);
        return (await attr(page, 'student1', 'data-energy')) - before < SILENT_ENERGY;
      }, 20_000);
    } catch (error) {
      // Seen once in a full run (load high), not alone: what the energy did, and the connection, for the next look.
      log(`${v} still heard the muted member after 20 s: energy ${JSON.stringify(seen.slice(-8))}, connection ${await tile(page, 'student1').getAttribute('data-connection')}`);
      throw error;
    }
    const other = v === 'admin' ? 'proctor2' : 'admin';
    const start = { muted: await attr(page, 'student1', 'data-energy'), other: await attr(page, other, 'data-energy') };
    for (let i = 0; i < 3; i++) await tick(page, 'student1');
    stretch[v] = { mutedDelta: (await attr(page, 'student1', 'data-energy')) - start.muted, otherDelta: (await attr(page, other, 'data-energy')) - start.other };
  }
  log(`student1 muted: ${JSON.stringify(stretch)}`);
  const energies = await Promise.all(viewers.map((v) => attr(pages[v], 'student1', 'data-energy')));
  await pages.student1.getByRole('button', { name: 'Unmute mic' }).click();
  const resumed = await Promise.all(viewers.map((v, i) => eventually(async () => (await attr(pages[v], 'student1', 'data-energy')) - energies[i] > SILENT_ENERGY, 15_000).then(() => true, () => false)));
  await pages.student1.getByRole('button', { name: 'Camera off' }).click();
  const cameraOffSeen = await Promise.all(viewers.map((v) => tile(pages[v], 'student1').getByText('Camera off').waitFor({ timeout: 15_000 }).then(() => true, () => false)));
  await pages.student1.getByRole('button', { name: 'Camera on' }).click();
  return { seenBy, stretch, resumed: resumed.every(Boolean), cameraOffSeen: cameraOffSeen.every(Boolean) };
}

/** `who` clicks Leave: how long until the others' grids drop it. */
async function leaving(pages: Record<Person, Page>, who: Person): Promise<Findings['left']> {
  const at = performance.now();
  await pages[who].getByRole('button', { name: 'Leave' }).click();
  const goneFrom: string[] = [];
  for (const other of PEOPLE.filter((p) => p !== who)) {
    await eventually(async () => (await tile(pages[other], who).count()) === 0, 30_000);
    goneFrom.push(other);
  }
  const msToGone = Math.round(performance.now() - at);
  return { goneFrom, msToGone, rejoinButton: await pages[who].getByRole('button', { name: 'Rejoin' }).isVisible() };
}

/** How many people publish in Janus, once it is `expected` (or after 10 s, whatever it is then). */
async function janusFeeds(janus: JanusEngine, expected: number): Promise<number> {
  const feeds = () => conferenceRoomsOf(janus).size.feeds;
  return eventually(() => feeds() === expected, 10_000).then(() => expected, () => feeds());
}

/** The room at 1440×900 and on a 390 px phone, for the README. */
async function screenshots(page: Page, dir: string): Promise<void> {
  await page.screenshot({ path: join(dir, 'conference.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(dir, 'conference-mobile.png'), fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { setUpNamespaceNetwork } = await import('../../support/netns.js');
  setUpNamespaceNetwork();
  const found = await runConferenceScenario((process.argv[2] as 'p2p' | 'janus') ?? 'janus', { log: (m) => console.error(`[conference scenario] ${m}`) });
  console.log(JSON.stringify(found));
  process.exit(0);
}
