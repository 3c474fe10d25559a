import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainCheckpointer } from '../../src/app/chain/checkpointer.js';
import type { Actor } from '../../src/domain/core/decider.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { encodeStretch, HAS_FFMPEG } from '../support/recording-fixture.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const VERIFIER = fileURLToPath(new URL('../../scripts/verify-stream.mjs', import.meta.url));
const student: Actor = { id: 'student1', role: 'student' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const admin: Actor = { id: 'admin', role: 'admin' };

/** A datetime-local value for `ms` in the page's own time zone. */
const localTime = (page: Page, ms: number) => page.evaluate((t) => {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}, ms);

describeWithServer('the auditor\'s replay in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let releaseChromium: (() => void) | undefined;
  // The session runs in whole minutes from T (ahead of the creation, so the stream's times only go forward).
  const T = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
  const at = (minutes: number) => new Date(T + minutes * 60_000);
  const position = () => page.getByTestId('step-position').textContent();

  /** A finished session: a proctor watching, an incident message in force, two measured minutes, a note. */
  async function recordedSession(id: string) {
    await api.createSession(id, { name: `Replayed ${id}` });
    await api.core.session(id, 'CheckIn', { userAgent: 'Chromium', browserSupported: true }, student, { now: at(-1) });
    await api.core.session(id, 'StartSession', {}, student, { now: at(0) });
    await api.core.session(id, 'JoinAsProctor', {}, proctor, { now: at(1) });
    await api.core.session(id, 'RecordMetrics', { minute: 0, values: { c2: 20 } }, student, { now: at(1.1) });
    await api.core.session(id, 'SendMessage', { messageId: `${id}-m1`, text: 'Look at the screen', incident: true }, proctor, { now: at(2) });
    await api.core.session(id, 'RecordMetrics', { minute: 1, values: { c2: 60, b2: 10 } }, student, { now: at(2.5) });
    await api.core.session(id, 'AddNote', { noteId: `${id}-n1`, text: 'Second person behind' }, proctor, { now: at(3) });
    await api.core.session(id, 'FinishSession', {}, proctor, { now: at(5) });
  }

  /**
   * A session with a camera recording around its note (ffmpeg's test pattern, 5-second segments from 2:30 to 3:30): it ran ten
   * minutes ago, so its segments upload now as they would have then.
   */
  const P = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
  async function filmedSession(id: string, dir: string) {
    const past = (minutes: number) => ({ now: new Date(P + minutes * 60_000) });
    await api.core.session(id, 'CreateSession', { sessionId: id, name: 'Filmed exam', student: 'student1', proctor: 'proctor1', durationMinutes: 30, metrics: ['b2', 'c2'] }, admin, past(-2));
    await api.core.session(id, 'CheckIn', { userAgent: 'Chromium', browserSupported: true }, student, past(-1));
    await api.core.session(id, 'StartSession', {}, student, past(0));
    await api.core.session(id, 'AddNote', { noteId: `${id}-n1`, text: 'Looked at a phone' }, proctor, past(3));
    await api.core.session(id, 'FinishSession', {}, proctor, past(4));
    const token = await api.login('student1');
    for (const s of await encodeStretch({ dir, track: 'camera', sessionStart: new Date(P), from: 150, to: 210, segmentS: 5, firstSeq: 0, audio: false, live: false })) {
      const q = new URLSearchParams({ sessionId: id, track: s.track, seq: String(s.seq), start: s.start.toISOString(), durationMs: String(s.durationMs) });
      const res = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(readFileSync(s.file)) });
      if (res.status !== 201) throw new Error(`upload ${s.seq}: ${res.status} ${await res.text()}`);
    }
  }

  let dir: string | undefined;
  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    if (HAS_FFMPEG) await filmedSession('replay-3', (dir = mkdtempSync(join(tmpdir(), 'replay-'))));
    // The browser is taken only now: encoding needs none, and other test files may be waiting for it.
    releaseChromium = await holdChromium();
    await recordedSession('replay-1');
    await recordedSession('replay-2');
    const checkpointer = new ChainCheckpointer(api.core, api.core.chainKeys!, { intervalMs: 3_600_000 });
    await checkpointer.start();
    await checkpointer.checkpoint();
    await checkpointer.stop();
    // Someone with write access to the database edits the note of replay-2 (version 8).
    await api.core.db.query(`UPDATE events SET data = jsonb_set(data, '{text}', '"Nothing happened"') WHERE stream_id = 'session-replay-2' AND type = 'NoteAdded'`);
    browser = await launchChromium();
    page = await (await newContext(browser, api.server.url)).newPage();
    await signIn(page, 'auditor1');
    await page.getByRole('navigation', { name: 'Sessions' }).waitFor();
  }, 900_000); // encoding a minute of video on a busy machine, then waiting for the one Chromium other files may hold

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is reached from the session list, and checks the whole chain in the browser', async () => {
    await page.getByRole('navigation', { name: 'Sessions' }).getByRole('link', { name: 'Replay' }).first().waitFor();
    await page.goto('/#/monitor');
    await page.locator('a.replay-link[href="#/replay/replay-1"]').click();
    await expect.poll(() => page.getByTestId('chain-summary').textContent(), { timeout: 20_000 }).toMatch(/^✓ Chain verified in this browser: 11 events; version 10 signed on .* by key [0-9a-f]{16}$/);
    expect(await position()).toBe('Event 0 · 1 of 11');
    expect(await page.getByTestId('state-status').textContent()).toBe('Scheduled');
  });

  it('steps with the buttons and the keyboard, and shows the state the domain rebuilt at each event', async () => {
    await page.getByRole('button', { name: 'Next ▶' }).click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('j');
    expect(await position()).toBe('Event 3 · 4 of 11');
    expect(await page.getByTestId('state-watching').textContent()).toBe('proctor1');
    await page.keyboard.press('k');
    expect(await position()).toBe('Event 2 · 3 of 11');
    expect(await page.getByTestId('state-status').textContent()).toBe('In progress');
    expect(await page.getByTestId('state-watching').textContent()).toBe('nobody');
    await page.keyboard.press('End');
    expect(await page.getByTestId('state-status').textContent()).toBe('Awaiting conclusion');
  });

  it('filters by type and gives the metrics, incidents and score so far at a known event', async () => {
    await page.getByLabel('Filter by event type').selectOption('MetricsRecorded');
    expect(await page.locator('.replay-events li').count()).toBe(2);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    expect(await position()).toBe('Event 7 · 2 of 2');
    expect(await page.getByTestId('state-metrics').textContent()).toMatch(/2 minutes recorded\s*b2 5%\s*c2 40%/);
    expect(await page.getByTestId('state-incidents').textContent()).toBe('incident message: test content blocked');
    // 3 minutes so far (2.5 rounded up): c2 80/3 = 26.67, b2 10/3 = 3.33, weights 1 → 100 − 30.
    expect(await page.getByTestId('state-score').textContent()).toBe('70');
    expect(await page.getByTestId('event-link').textContent()).toBe('verified');
    await page.getByLabel('Filter by event type').selectOption('');
  });

  it('jumps to a time, and the recording\'s position follows the event', async () => {
    await page.getByLabel('Jump to a time').fill(await localTime(page, at(3.2).getTime()));
    await page.getByRole('button', { name: 'Go' }).click();
    expect(await position()).toBe('Event 8 · 9 of 11');
    expect(await page.locator('.replay-events li.current').textContent()).toContain('added a note');
    expect(await page.getByTestId('player-time').textContent()).toBe('3:00');
    await page.getByRole('button', { name: 'Last event' }).click();
    // Over the 5 minutes: c2 80/5 = 16, b2 10/5 = 2 → 82, as the server stored it when the session ended.
    expect(await page.getByTestId('state-score').textContent()).toBe('82 (stored: 82)');
  });

  it.runIf(HAS_FFMPEG)('puts the recording at the moment of the event it is on', async () => {
    await page.goto('/#/replay/replay-3');
    await page.getByTestId('chain-summary').waitFor();
    await page.getByLabel('Filter by event type').selectOption('NoteAdded');
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('player-time').getAttribute('data-seconds')).toBe('180.00');
    expect(await page.locator('.player video[data-track="camera"]').count()).toBe(1);
    await page.getByLabel('Filter by event type').selectOption('');
    await page.screenshot({ path: `${SHOTS}/replay-1440.png`, fullPage: true });
    await page.goto('/#/replay/replay-1');
    await page.getByTestId('chain-summary').waitFor();
  });

  it('offers the auditor nothing they cannot use', async () => {
    const names = await page.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? b.textContent?.trim()));
    const controls = names.filter((n) => !/^\d/.test(n ?? '') && !/^[✓✗?…]/.test(n ?? ''));
    expect(new Set(controls)).toEqual(new Set(['Export for an outside auditor', 'First event', '◀ Previous', 'Next ▶', 'Last event', 'Go']));
  });

  it('exports the stream for an outside auditor, which the standalone script verifies', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export for an outside auditor' }).click()]);
    const file = await download.path();
    const { stdout } = await promisify(execFile)('node', [VERIFIER, file, '--key', api.core.chainKeys!.publicKeyBase64]);
    // Its 11 events and the replays opened so far (one more when the filmed session's test came back to it).
    expect(stdout).toMatch(new RegExp(`^OK session-replay-1: ${HAS_FFMPEG ? 13 : 12} events, chain intact; version 10 signed`));
    const types = (await api.core.store.readStream('session-replay-1')).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['StreamReplayed', 'StreamExported']);
  });

  describe('a stream edited in the database', () => {
    it('is shown broken at the edited event, the events after it unchecked', async () => {
      await page.goto('/#/replay/replay-2');
      await expect.poll(() => page.getByTestId('chain-summary').textContent(), { timeout: 20_000 }).toBe('✗ The chain is broken at event 8 (hash): its content does not match its hash: the event was edited');
      const marks = await page.locator('.replay-events .mark').allTextContents();
      expect(marks).toEqual(['✓', '✓', '✓', '✓', '✓', '✓', '✓', '✓', '✗', '?', '?']);
      await page.locator('.replay-events li[data-index="8"] button').click();
      expect(await page.getByTestId('event-link').textContent()).toMatch(/^broken \(hash\)/);
    });

    it('stacks on a 390 px phone without sideways scrolling', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.locator('.replay-events li[data-index="8"]').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const list = await page.locator('.steps').boundingBox();
      const state = await page.locator('.replay-state').boundingBox();
      expect(state!.y).toBeGreaterThan(list!.y + list!.height - 1);
      await page.screenshot({ path: `${SHOTS}/replay-390.png`, fullPage: true });
    });
  });
});
