import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, intoRunningExam, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Every refusal the page got from the API, over HTTP and over the WebSocket: what a control that fails leaves behind. */
function refusals(page: Page): string[] {
  const seen: string[] = [];
  const note = (body: string) => {
    for (const m of body.matchAll(/"code":"(FORBIDDEN|UNAUTHENTICATED)"/g)) seen.push(`${m[1]}: ${body.slice(0, 300)}`);
  };
  page.on('response', (res) => {
    if (res.url().endsWith('/graphql')) void res.text().then(note).catch(() => {});
  });
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => note(String(payload))));
  return seen;
}

describeWithServer('each role sees only what it can do', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    await api.createSession('role-1', { name: 'Entrance exam', url: `${api.server.url}/demo-test.html` });
    browser = await launchChromium();
    await intoRunningExam(api, await (await newContext(browser, api.server.url)).newPage(), 'student1', 'role-1');
    await api.as('proctor1', `mutation { sendMessage(sessionId: "role-1", text: "Hello from the proctor", incident: false) { id } }`);
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  async function page(username: string): Promise<{ page: Page; refused: string[] }> {
    const p = await (await newContext(browser, api.server.url)).newPage();
    const refused = refusals(p);
    await signIn(p, username);
    await p.waitForURL(/#\/(monitor|sessions)$/);
    return { page: p, refused };
  }

  it('shows an auditor the live session and its chat to read, with no call, Finish, message box or Incident, and nothing it tries is refused', async () => {
    const { page: auditor, refused } = await page('auditor1');
    await auditor.locator('.tile[data-session="role-1"]').click();
    const chat = auditor.getByRole('region', { name: 'Chat' });
    await chat.getByText('Hello from the proctor').waitFor();
    await auditor.getByRole('tab', { name: 'Faces' }).waitFor();
    for (const name of ['Audio call', 'Video call', 'Finish', 'Enlarge', 'Send', 'Attach a file']) {
      expect(await auditor.getByRole('button', { name }).count(), name).toBe(0);
    }
    expect(await auditor.getByLabel('Message').count()).toBe(0);
    expect(await auditor.getByLabel('Incident').count()).toBe(0);
    expect(await chat.textContent()).toContain('read only');
    for (const name of ['New session', 'Calendar']) expect(await auditor.getByRole('link', { name }).count(), name).toBe(0);
    await auditor.getByRole('link', { name: 'Accounts' }).waitFor();
    // No live media for a role that may not watch: the tile says so instead of waiting forever.
    expect(await auditor.locator('.tile[data-session="role-1"]').getAttribute('data-media')).toBe('none');
    await auditor.getByRole('tab', { name: 'Faces' }).click();
    await auditor.getByRole('tab', { name: 'Messages' }).click();
    await chat.getByText('Hello from the proctor').waitFor();
    expect(refused).toEqual([]);
  });

  it('shows the proctor of the session its calls, Finish and the Incident box', async () => {
    const { page: proctor, refused } = await page('proctor1');
    await proctor.locator('.tile[data-session="role-1"]').click();
    for (const name of ['Audio call', 'Video call', 'Finish', 'Enlarge', 'Send']) await proctor.getByRole('button', { name }).waitFor();
    await proctor.getByLabel('Incident').waitFor();
    await proctor.getByRole('link', { name: 'Calendar' }).waitFor();
    expect(await proctor.getByRole('link', { name: 'New session' }).count()).toBe(0);
    expect(refused).toEqual([]);
  });

  it('opens the New session and Calendar forms by address only for roles that may use them, and says why to the others', async () => {
    const cases: Array<[string, Array<[string, boolean]>]> = [
      ['auditor1', [['new-session', false], ['calendar', false]]],
      ['proctor1', [['new-session', false], ['calendar', true]]],
      ['student1', [['new-session', false], ['calendar', false]]],
      ['admin', [['new-session', true], ['calendar', true]]],
    ];
    for (const [username, routes] of cases) {
      const { page: p, refused } = await page(username);
      for (const [route, allowed] of routes) {
        await p.goto(`/#/${route}`);
        const form = route === 'new-session' ? p.getByRole('form', { name: 'New session' }) : p.getByRole('table', { name: 'Week' });
        // Named by what it refuses, so the notice of the route before cannot stand in for this one's.
        const notice = p.getByRole('alert').filter({ hasText: route === 'new-session' ? 'Creating sessions on screen is not available' : 'The calendar of open slots is not available' });
        await form.or(notice).first().waitFor();
        expect(await form.count(), `${username} ${route}`).toBe(allowed ? 1 : 0);
        if (!allowed) {
          expect(await notice.textContent(), `${username} ${route}`).toMatch(new RegExp(username === 'student1' ? 'test-taker' : username === 'auditor1' ? 'auditor' : 'proctor'));
          await p.getByRole('link', { name: /Back to/ }).waitFor();
        }
      }
      expect(refused, username).toEqual([]);
      await p.context().close();
    }
  }, 90_000);
});
