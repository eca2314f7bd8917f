/**
 * The console's Webhooks page in real Chromium: subscribe the test's own HTTP receiver to an event
 * (on 127.0.0.1, hence ALLOW_PRIVATE_URLS=true), copy its secret shown once, send a test and see
 * its delivery answered 200 in the page; the receiver got it signed with that secret.
 */
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { buildConsole } from '../../src/console/build.mjs';
import { launchChromium, screenshot } from '../support/browser.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { signUpInPage, WAIT } from '../support/console-page.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('console: webhooks', () => {
  let browser: Browser;
  let t: TestApp;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    await buildConsole();
    browser = await launchChromium();
    receiver = await CallbackReceiver.start();
    t = await startTestApp({ env: { ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL_MS: '50' } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close({ drop: true });
    await receiver?.close();
  });

  it('creates a webhook with chosen events, shows its secret once, sends a test and lists its delivery with the response code', async () => {
    const context = await browser.newContext({ viewport: { width: 1180, height: 900 } });
    const page = await context.newPage();
    await signUpInPage(page, t.baseUrl);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor(WAIT);
    await page.getByText('Todavía no hay webhooks.').waitFor(WAIT);

    await page.getByLabel('URL').fill(`${receiver.url}/console-hook`);
    await page.getByLabel('session.messages.upsert').check();
    await page.getByLabel('session.messages.edit').check();
    await page.getByRole('button', { name: 'Crear webhook' }).click();
    const secretBox = page.getByTestId('webhook-secret');
    await secretBox.waitFor(WAIT);
    const secret = (await page.getByTestId('webhook-secret-value').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await secretBox.getByRole('button', { name: 'Copiar secreto' }).click();
    await secretBox.getByRole('button', { name: 'Copiado' }).waitFor(WAIT);
    const card = page.getByTestId('webhook-card');
    await card.getByText('session.messages.upsert, session.messages.edit').waitFor(WAIT);
    await screenshot(page, 'webhooks-01-created');

    // Shown once: gone after "Listo" and after a reload.
    await secretBox.getByRole('button', { name: 'Listo' }).click();
    await page.reload();
    await page.getByTestId('webhook-card').waitFor(WAIT);
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByTestId('webhook-card').getByRole('button', { name: 'Enviar prueba' }).click();
    const row = page.getByTestId('webhook-delivery').filter({ hasText: 'webhook.test' });
    await row.filter({ hasText: 'delivered' }).filter({ hasText: '200' }).waitFor(WAIT);
    await screenshot(page, 'webhooks-02-test-delivered');

    const got = receiver.requests.find((r) => r.path === '/console-hook')!;
    expect(got.body.type).toBe('webhook.test');
    expect(new Webhook(secret).verify(got.raw, got.headers as Record<string, string>)).toMatchObject({ type: 'webhook.test' });
    await context.close();
  });
});
