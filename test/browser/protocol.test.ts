import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { RetentionSweeper } from '../../src/app/retention/retention-sweep.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

/** Minute values: minutes 2 and 4 are red (sum ≥ 50), the rest green or yellow. */
const MINUTES: Array<Record<string, number>> = [{ c2: 0 }, { c2: 20 }, { c2: 60, b2: 10 }, { m2: 30 }, { c2: 100 }, {}];

describeWithServer('the protocol page in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;

  let releaseChromium: (() => void) | undefined;
  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    await api.createSession('proto-1', { name: 'Protocol exam', metrics: ['b2', 'c2', 'm2'], weights: [{ code: 'c2', value: 2 }] });
    await api.as('student1', `mutation { checkIn(id: "proto-1", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "proto-1") { id } }`);
    for (const [minute, values] of MINUTES.entries()) {
      const list = Object.entries(values).map(([code, value]) => `{ code: "${code}", value: ${value} }`).join(', ');
      await api.as('student1', `mutation { recordMetrics(sessionId: "proto-1", minute: ${minute}, values: [${list}]) { id } }`);
    }
    await api.core.session('proto-1', 'RecordFaceCheck', { photoId: 'photo-1', result: 'yellow', distance: 0.42, similarProfiles: ['student9'], reason: 'match', faceCount: 1 }, SYSTEM_ACTOR);
    await api.core.session('proto-1', 'RecordFaceCheck', { photoId: 'photo-2', result: 'red', distance: null, similarProfiles: [], reason: 'several_faces', faceCount: 2 }, SYSTEM_ACTOR);
    await api.as('proctor1', `mutation { sendMessage(sessionId: "proto-1", text: "Look at the screen", incident: true) { id } }`);
    await api.as('proctor1', `mutation { addNote(sessionId: "proto-1", text: "Second person at minute 4") { id } }`);
    await api.as('student1', `mutation { finishSession(id: "proto-1") { id } }`);

    browser = await launchChromium();
    page = await (await newContext(browser, api.server.url)).newPage();
    await signIn(page, 'proctor1');
    await page.getByRole('navigation', { name: 'Sessions' }).waitFor();
    await page.goto('/#/protocol/proto-1');
    await page.getByRole('heading', { name: 'Protocol exam' }).waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('does not claim the connection is lost when the page simply has no live subscription', async () => {
    await page.waitForTimeout(500);
    expect(await page.getByText('Connection to the server lost').count()).toBe(0);
  });

  it('shows the score and how it was reached', async () => {
    // 6 minutes: c2 (0+20+60+0+100)/6 = 30 × 2 = 60; b2 10/6 = 1.67; m2 30/6 = 5 → 100 − 66.67 = 33.33.
    expect(await page.locator('.summary .score').textContent()).toBe('33.33');
    const rows = await page.locator('.breakdown tbody tr').allTextContents();
    expect(rows).toEqual([expect.stringMatching(/^b2.*1\.67%×1−1\.67$/), expect.stringMatching(/^c2.*30%×2−60$/), expect.stringMatching(/^m2.*5%×1−5$/)]);
  });

  it('colours each minute by its metrics, red where they add up', async () => {
    expect(await page.locator('.minute').count()).toBe(6);
    expect(await page.locator('.minute.red').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.minute))).toEqual(['2', '4']);
    expect(await page.locator('.minute[data-minute="0"]').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(32, 182, 32)');
  });

  it('marks the face check, the incident and the note in the events lane', async () => {
    const markers = page.locator('.lane.events .marker');
    expect(await markers.evaluateAll((els) => els.map((e) => e.className.replace('marker ', '')))).toEqual(['face', 'face', 'incident', 'note']);
    expect(await page.locator('.marker.face').evaluateAll((els) => els.map((e) => e.getAttribute('title')))).toEqual([
      'Face photo: matches the profile, but similar profiles exist',
      'Face photo: 2 faces in the photo',
    ]);
  });

  it('lists the face checks with why each came out as it did', async () => {
    const rows = page.getByRole('region', { name: 'Face checks' }).locator('li');
    expect(await rows.evaluateAll((els) => els.map((e) => e.className))).toEqual(['face yellow', 'face red']);
    const first = (await rows.nth(0).innerText()).replace(/\s+/g, ' ');
    expect(first).toContain('matches the profile, but similar profiles exist');
    expect(first).toContain('distance 0.42');
    expect(first).toContain('similar: student9');
    expect(await rows.nth(1).innerText()).toMatch(/2 faces in the photo$/);
  });

  it('pops up each metric of a minute on hover', async () => {
    await page.locator('.bar-slot').nth(2).hover();
    const popup = page.getByRole('tooltip');
    const text = await popup.textContent();
    expect(text).toMatch(/^Minute 3/);
    expect(text).toMatch(/c2: Face invisible or not looking into the camera: 60%/);
    expect(text).toMatch(/b2: Focus changed to a different window: 10%/);
  });

  it('seeks where the timeline is clicked, and jumps to the next violation', async () => {
    const lanes = page.getByRole('slider', { name: /Playback position/ });
    await lanes.scrollIntoViewIfNeeded();
    const box = (await lanes.boundingBox())!;
    await page.mouse.click(box.x + box.width * (3.5 / 6), box.y + box.height - 5);
    const [m, sec] = (await page.getByTestId('player-time').textContent())!.split(':').map(Number);
    expect(Math.abs(m * 60 + sec - 210)).toBeLessThanOrEqual(2); // 3:30, give or take a pixel
    await page.getByRole('button', { name: 'Next violation' }).click();
    expect(await page.getByTestId('player-time').textContent()).toBe('4:00');
    expect(await page.getByRole('button', { name: 'Next violation' }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/protocol-timeline.png`, fullPage: true });
  });

  it('lists what happened in words, with the date and time, who did it and the details', async () => {
    const list = page.getByRole('region', { name: 'Events' }).locator('li');
    const lines = (await list.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const find = (what: RegExp) => lines.find((l) => what.test(l));
    const when = String.raw`\d{2}:\d{2}:\d{2}, \d{1,2} [A-Z][a-z]{2} \d{4}`;
    expect(find(/sent an incident message/)).toMatch(new RegExp(`^${when} proctor1 sent an incident message \\(the test content is blocked\\) “Look at the screen”$`));
    expect(find(/2 faces/)).toMatch(new RegExp(`^${when} System face check: red, 2 faces in the photo$`));
    expect(find(/similar profiles/)).toMatch(/face check: yellow, matches the profile, but similar profiles exist distance 0\.42; similar profiles: student9$/);
    expect(find(/measured in minute 3:/)).toMatch(/student1’s browser measured in minute 3: c2 \(face invisible or not looking into the camera\) 60 %, b2 \(focus changed to a different window\) 10 %$/);
    expect(find(/added a note/)).toMatch(/proctor1 added a note “Second person at minute 4”$/);
    expect(find(/finished the session/)).toMatch(/student1 finished the session \(the test-taker\)$/);
    // Not one bare type name is left.
    expect(lines.filter((l) => /\b[A-Z][a-z]+[A-Z][a-zA-Z]+\b/.test(l))).toEqual([]);
    await page.getByRole('region', { name: 'Events' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/protocol-events.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('region', { name: 'Events' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/protocol-events-390.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('stores the conclusion given with Rate, hides the button, and makes it searchable', async () => {
    await page.getByRole('button', { name: 'Rate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rate the session' });
    await dialog.getByLabel(/Positive/).check();
    await dialog.getByLabel('Comment').fill('Minor issues only');
    await dialog.getByRole('button', { name: 'Save the conclusion' }).click();
    await expect.poll(() => page.locator('.summary .conclusion').textContent()).toBe('positive — Minor issues only');
    expect(await page.getByRole('button', { name: 'Rate' }).count()).toBe(0);
    const found = await api.as('auditor1', `{ sessions(query: "conclusion=positive & score<50") { edges { node { id } } } }`);
    expect(found.sessions.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['proto-1']);
  });

  it('says when the media was deleted under the retention policy, and keeps the score and the conclusion', async () => {
    await api.createSession('proto-kept', { name: 'Retention exam' });
    await api.as('student1', `mutation { checkIn(id: "proto-kept", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "proto-kept") { id } }`);
    expect((await api.upload('proctor1', 'proto-kept', Buffer.from('%PDF-1.4\nrules\n'), { name: 'rules.pdf' })).status).toBe(201);
    await api.as('proctor1', `mutation { finishSession(id: "proto-kept", conclusion: positive, comment: "Fine") { id } }`);
    // No template here: the default retention, 90 days; the clock moved past it.
    const swept = await new RetentionSweeper(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs'))).sweep(new Date(Date.now() + 91 * 86_400_000));
    expect(swept.deleted).toEqual(['proto-kept']);
    await page.goto('/#/protocol/proto-kept');
    await page.getByRole('heading', { name: 'Retention exam' }).waitFor();
    const events = page.getByRole('region', { name: 'Events' });
    const line = events.locator('li', { hasText: 'under the retention policy' });
    expect((await line.innerText()).replace(/\s+/g, ' ')).toMatch(
      /System deleted the recordings, photos and files on \d{1,2} [A-Z][a-z]{2} \d{4} under the retention policy \(90 days\) 0 pieces of recording, 0 photos, 1 file; the session ended/,
    );
    expect(await page.locator('.summary .score').textContent()).toMatch(/^\d/);
    expect(await page.locator('.summary .conclusion').textContent()).toBe('positive — Fine');
    await line.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/protocol-retention.png` });
  });
});
