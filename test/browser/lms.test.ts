import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configureLink } from '../../src/app/lti/link-settings.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { pageOverflow } from '../support/layout.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describeWithServer('an administrator connects LMS platforms on the LMS page', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    browser = await launchChromium();
    const context = await newContext(browser, api.server.url);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.server.url });
    admin = await context.newPage();
    await signIn(admin, 'admin');
    await admin.getByRole('link', { name: 'LMS' }).click();
    await admin.getByRole('heading', { name: 'Connect an LMS' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('registers a platform by hand, lists it, edits and removes it', async () => {
    // Given the administrator fills in what the LMS shows for our tool
    const form = admin.getByRole('form', { name: 'Register a platform' });
    await form.getByLabel('Name').fill('Moodle of the school');
    await form.getByLabel('Issuer').fill('https://moodle.school.example');
    await form.getByLabel('Client id').fill('abc123');
    await form.getByLabel('Deployment ids').fill('1\n2');
    await form.getByLabel('Authorization URL').fill('https://moodle.school.example/mod/lti/auth.php');
    await form.getByLabel('Token URL').fill('https://moodle.school.example/mod/lti/token.php');
    await form.getByLabel('Keyset (JWKS) URL').fill('https://moodle.school.example/mod/lti/certs.php');
    await form.getByRole('button', { name: 'Register' }).click();

    // Then it is listed, registered by hand, and the form is empty again
    await admin.getByRole('status').filter({ hasText: 'Moodle of the school registered' }).waitFor();
    const card = admin.locator('li[data-platform]').filter({ hasText: 'Moodle of the school' });
    expect(await card.locator('.issuer').innerText()).toBe('https://moodle.school.example');
    expect(await card.locator('.client-id').innerText()).toBe('abc123');
    expect(await card.locator('.deployments').innerText()).toBe('1, 2');
    expect(await card.innerText()).toContain('by hand');
    expect(await form.getByLabel('Issuer').inputValue()).toBe('');
    const [stored] = (await api.as('admin', `{ ltiPlatforms { issuer clientId deploymentIds method registeredBy } }`)).ltiPlatforms;
    expect(stored).toEqual({ issuer: 'https://moodle.school.example', clientId: 'abc123', deploymentIds: ['1', '2'], method: 'manual', registeredBy: 'admin' });

    // A bad URL is refused next to the form, saying which field
    await form.getByLabel('Name').fill('Canvas');
    await form.getByLabel('Issuer').fill('canvas');
    await form.getByLabel('Client id').fill('c-1');
    await form.getByLabel('Authorization URL').fill('https://canvas.example/auth');
    await form.getByLabel('Token URL').fill('https://canvas.example/token');
    await form.getByLabel('Keyset (JWKS) URL').fill('https://canvas.example/jwks');
    await form.getByRole('button', { name: 'Register' }).click();
    await form.getByRole('alert').filter({ hasText: 'issuer' }).waitFor();
    await form.getByLabel('Name').fill('');
    await form.getByLabel('Issuer').fill('');
    await form.getByLabel('Client id').fill('');
    await form.getByLabel('Authorization URL').fill('');
    await form.getByLabel('Token URL').fill('');
    await form.getByLabel('Keyset (JWKS) URL').fill('');

    // When it is edited: the form holds it, the issuer stays
    await card.getByRole('button', { name: 'Edit Moodle of the school' }).click();
    const edit = admin.getByRole('form', { name: 'Edit platform' });
    expect(await edit.getByLabel('Issuer').isDisabled()).toBe(true);
    await edit.getByLabel('Deployment ids').fill('1, 2, 3');
    await edit.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('status').filter({ hasText: 'Moodle of the school saved' }).waitFor();
    await expect.poll(() => card.locator('.deployments').innerText()).toBe('1, 2, 3');
    await admin.screenshot({ path: `${SHOTS}lms.png`, fullPage: true });

    // And removed: still listed, marked
    admin.once('dialog', (d) => void d.accept());
    await card.getByRole('button', { name: 'Remove Moodle of the school' }).click();
    await admin.getByRole('status').filter({ hasText: 'removed' }).waitFor();
    await expect.poll(() => card.innerText()).toContain('removed');
    expect(await card.getByRole('button', { name: /Remove/ }).count()).toBe(0);
  }, 120_000);

  it('makes a registration link to copy, says how long it works, and rotates the key', async () => {
    await admin.getByRole('button', { name: 'Make a registration link' }).click();
    const field = admin.getByLabel('Registration link', { exact: true });
    await field.waitFor();
    const url = await field.inputValue();
    expect(url).toMatch(/^http:\/\/proctor\.test\/lti\/register\?t=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await admin.locator('.link-row').innerText()).toContain('Works once, for 24 hours');
    await admin.getByRole('button', { name: 'Copy Registration link' }).click();
    await expect.poll(() => admin.evaluate(() => navigator.clipboard.readText())).toBe(url);

    expect(await admin.getByLabel('OIDC login initiation URL', { exact: true }).inputValue()).toBe('http://proctor.test/lti/login');
    expect(await admin.getByLabel('Redirect (launch) URL', { exact: true }).inputValue()).toBe('http://proctor.test/lti/launch');
    expect(await admin.getByLabel('Public keyset (JWKS) URL', { exact: true }).inputValue()).toBe('http://proctor.test/.well-known/jwks.json');
    const keys = admin.locator('.keys li');
    await keys.first().waitFor();
    const before = await keys.count();
    await admin.getByRole('button', { name: 'Rotate key' }).click();
    await expect.poll(() => keys.count(), { timeout: 10_000 }).toBe(before + 1);
    expect(await keys.first().innerText()).toContain('signing');
    expect(await keys.nth(1).innerText()).not.toContain('signing');
  }, 60_000);

  it('changes the duration and proctor of an exam a course links to, and says why a wrong value is refused', async () => {
    // Given an instructor configured an exam at its first launch from a course of a registered platform
    const input = { name: 'Canvas', issuer: 'https://canvas.links.example', clientId: 'c-9', deploymentIds: ['1'], authUrl: 'https://canvas.links.example/auth', tokenUrl: 'https://canvas.links.example/token', jwksUrl: 'https://canvas.links.example/jwks' };
    const { registerLtiPlatform: { id } } = await api.as('admin', `mutation($input: RegisterLtiPlatformInput!) { registerLtiPlatform(input: $input) { id } }`, { input });
    await configureLink(api.core, { platformId: id, resourceLinkId: 'rl-42', contextId: 'bio-101' }, { name: 'Biology midterm', durationMinutes: 60, proctor: 'proctor1', secondCamera: false }, { id: 'lti-p-teacher', role: 'proctor' });
    await admin.reload();
    const card = admin.locator(`li[data-platform="${id}"]`);
    await card.getByText('Exams linked from Canvas').click();
    const link = card.locator('li[data-link="rl-42"]');
    await link.getByText('60 min · proctor proctor1').waitFor();

    // When the administrator edits it with a wrong duration, then a right one
    await link.getByRole('button', { name: 'Edit the exam Biology midterm' }).click();
    const form = link.getByRole('form', { name: 'Edit Biology midterm' });
    await form.getByLabel('Duration (minutes)').fill('0');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('alert').filter({ hasText: 'duration' }).waitFor();
    await admin.setViewportSize({ width: 390, height: 844 });
    await form.screenshot({ path: `${SHOTS}lms-link-edit-390.png` });
    await admin.setViewportSize({ width: 1440, height: 900 });
    await form.getByLabel('Duration (minutes)').fill('75');
    await form.getByLabel('Proctor (username; empty: none)').fill('proctor2');
    await form.getByRole('button', { name: 'Save' }).click();

    // Then the list shows it, set by them, and the link's stream says who changed what
    await card.getByRole('status').filter({ hasText: 'Biology midterm saved' }).waitFor();
    await link.getByText('75 min · proctor proctor2').waitFor();
    expect(await link.innerText()).toContain('Set by admin');
    const { ltiLinks } = await api.as('admin', `query($p: ID!) { ltiLinks(platformId: $p) { durationMinutes proctor configuredBy } }`, { p: id });
    expect(ltiLinks).toEqual([{ durationMinutes: 75, proctor: 'proctor2', configuredBy: 'admin' }]);
    await card.screenshot({ path: `${SHOTS}lms-links.png` });
  }, 60_000);

  it('fits 1440×900 and a 390 px phone without sideways scrolling', async () => {
    expect((await pageOverflow(admin)).x).toBeLessThanOrEqual(0);
    await admin.screenshot({ path: `${SHOTS}lms.png`, fullPage: true });
    await admin.setViewportSize({ width: 390, height: 844 });
    try {
      await expect.poll(async () => (await pageOverflow(admin)).x).toBeLessThanOrEqual(0);
      await admin.screenshot({ path: `${SHOTS}lms-390.png`, fullPage: true });
    } finally {
      await admin.setViewportSize({ width: 1440, height: 900 });
    }
  }, 60_000);
});
