import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookDeliverer } from '../../src/app/webhooks/deliverer.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { boxOf } from '../support/layout.js';
import { describeWithServer } from '../support/servers.js';
import { startReceiver } from '../support/webhook-receiver.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describeWithServer('an administrator sets an integration\'s result webhook and follows its deliveries', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let releaseChromium: (() => void) | undefined;
  const panel = () => admin.locator('details[data-webhook="lms"]');

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    receiver = await startReceiver([500], 204);
    api = await startTestApi({}, { webDir: WEB_DIR });
    browser = await launchChromium();
    admin = await (await newContext(browser, api.server.url)).newPage();
    await signIn(admin, 'admin');
    await admin.getByRole('link', { name: 'Accounts' }).click();
    await panel().waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
    await receiver?.close();
  });

  async function conclude(id: string) {
    await api.createSession(id, { name: `Final exam ${id}` }, 'lms');
    await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
    await api.as('proctor1', `mutation { finishSession(id: "${id}", conclusion: positive) { id } }`);
  }

  it('refuses a bad URL, saves a good one, and shows each delivery\'s status as attempts are made', async () => {
    await panel().locator('summary').click();
    const field = panel().getByLabel('Webhook URL of lms');
    await field.fill('ftp://lms.example/results');
    await panel().getByRole('button', { name: 'Save' }).click();
    await panel().getByRole('alert').filter({ hasText: 'http or https' }).waitFor();
    await field.fill(receiver.url);
    await panel().getByRole('button', { name: 'Save' }).click();
    await panel().getByRole('status').filter({ hasText: 'Webhook URL saved' }).waitFor();
    expect((await api.as('lms', `{ integrationWebhook(username: "lms") { url } }`)).integrationWebhook.url).toBe(receiver.url);

    await conclude('web-1');
    await conclude('web-2');
    const start = Date.now();
    const deliverer = new WebhookDeliverer(api.core, { publicUrl: api.config.publicUrl, concurrency: 1 });
    await deliverer.tick(new Date(start)); // web-1 gets the 500, web-2 the 204
    await admin.reload();
    await panel().locator('summary').click();
    await expect.poll(() => panel().locator('summary').innerText()).toContain('1 delivered · 1 pending');
    const rows = panel().locator('tr[data-delivery]');
    await expect.poll(() => rows.allInnerTexts()).toEqual([
      expect.stringMatching(/web-2.*Delivered \(1 attempt\).*HTTP 204/s),
      expect.stringMatching(/web-1.*Pending \(1 attempt\).*HTTP 500/s),
    ]);
    await admin.screenshot({ path: `${SHOTS}webhook-1440.png`, fullPage: true });
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.screenshot({ path: `${SHOTS}webhook-390.png`, fullPage: true });
    // The accounts table around it is wider than a phone already (five columns); the panel itself stays within one.
    const box = await boxOf(panel());
    expect(box.x + box.width, 'the webhook panel fits a phone').toBeLessThanOrEqual(390);
    await admin.setViewportSize({ width: 1440, height: 900 });

    await deliverer.tick(new Date(start + 10_000));
    await admin.reload();
    await panel().locator('summary').click();
    await expect.poll(() => panel().locator('summary').innerText()).toContain('2 delivered');
    await panel().getByRole('button', { name: 'Remove' }).click();
    await panel().getByRole('status').filter({ hasText: 'Webhook URL removed' }).waitFor();
    expect((await api.as('admin', `{ integrationWebhook(username: "lms") { url } }`)).integrationWebhook.url).toBeNull();
  }, 180_000);
});
