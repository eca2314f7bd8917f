/**
 * The web console in real Chromium against the running app in sandbox mode: sign-up, the seed 000
 * QR flow scanned by the sandbox phone, live status and messages over Socket.io, silent refresh,
 * stop and delete; QR rotation and expiry with short timeouts. Every wait is on what the page shows.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildConsole } from '../../src/console/build.mjs';
import { launchChromium, screenshot } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Page-side callbacks (page.evaluate / waitForFunction) run in the browser: its globals, untyped here
// so that the DOM library does not leak into the Node typings of the whole project.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, window: any, MutationObserver: any;

const WAIT = { timeout: 30_000 };

async function signUp(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('tab', { name: 'Crear cuenta' }).click();
  await page.getByLabel('Nombre').fill('Ana Console');
  await page.getByLabel('Correo electrónico').fill(`ana-${randomUUID()}@example.com`);
  await page.getByLabel('Contraseña').fill('correct-horse-1');
  await page.getByRole('button', { name: 'Crear cuenta y entrar' }).click();
  await page.getByRole('heading', { name: 'Tus cuentas de WhatsApp' }).waitFor(WAIT);
  await page.getByTestId('live').filter({ hasText: 'En vivo' }).waitFor(WAIT);
}

let browser: Browser;
beforeAll(async () => {
  await buildConsole();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('console: connect, live messages, stop and delete', () => {
  let t: TestApp;
  let context: BrowserContext;
  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    context = await browser.newContext({ viewport: { width: 1180, height: 900 } });
  });
  afterAll(async () => {
    await context?.close();
    await t?.close({ drop: true });
  });

  it('signs up, links through the QR the sandbox phone scans, shows 🟢 with the number, a contact message live, a reply in its inbox, then stops and deletes', async () => {
    const page = await context.newPage();
    await signUp(page, t.baseUrl);
    await page.getByText('Todavía no vinculaste ninguna cuenta.').waitFor(WAIT);
    await screenshot(page, '01-signed-up');

    await page.getByRole('button', { name: 'Conectar WhatsApp' }).click();
    const panel = page.getByTestId('connect-panel');
    await panel.getByTestId('qr-code').waitFor(WAIT);
    await panel.getByTestId('session-status').filter({ hasText: '🟡 Esperando escaneo' }).waitFor(WAIT);
    await panel.getByTestId('qr-countdown').filter({ hasText: /Expira en \d+ s/ }).waitFor(WAIT);
    expect(await panel.getByTestId('qr-code').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await screenshot(page, '02-qr');

    await panel.getByLabel('Número del teléfono simulado').fill('5491155550001');
    await panel.getByRole('button', { name: 'Escanear el QR' }).click();
    await panel.getByTestId('connected-phone').filter({ hasText: '+5491155550001' }).waitFor(WAIT);
    await panel.getByTestId('session-status').filter({ hasText: '🟢 Conectado (+5491155550001)' }).waitFor(WAIT);
    await screenshot(page, '03-connected');
    await panel.getByRole('button', { name: 'Cerrar' }).click();

    const card = page.getByTestId('session-card');
    await card.getByTestId('session-status').filter({ hasText: '🟢 Conectado (+5491155550001)' }).waitFor(WAIT);

    // Silent refresh: a reload keeps the login through the httpOnly refresh cookie.
    await page.reload();
    await card.getByTestId('session-status').filter({ hasText: '🟢 Conectado (+5491155550001)' }).waitFor(WAIT);
    await page.getByTestId('live').filter({ hasText: 'En vivo' }).waitFor(WAIT);

    await card.getByLabel('Número del contacto').fill('5491100002222');
    await card.getByLabel('Mensaje del contacto').fill('Hola desde el contacto');
    await card.getByRole('button', { name: 'El contacto envía' }).click();
    await card.getByTestId('live-message').filter({ hasText: 'Hola desde el contacto' }).waitFor(WAIT);
    await screenshot(page, '04-live-message');

    // Reply from the composer; the sandbox contact's inbox shows what it received.
    await card.getByTestId('live-message').filter({ hasText: 'Hola desde el contacto' }).getByRole('button', { name: 'Responder' }).click();
    expect(await card.getByLabel('Para (número)').inputValue()).toBe('5491100002222');
    await card.getByLabel('Mensaje', { exact: true }).fill('Respuesta desde la consola');
    await card.getByRole('button', { name: 'Enviar', exact: true }).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=session-card] input[name=text]') as { value: string } | null)?.value === '', undefined, WAIT);
    await card.getByRole('button', { name: 'Ver lo que recibió el contacto' }).click();
    await card.getByTestId('contact-inbox').filter({ hasText: 'Respuesta desde la consola' }).waitFor(WAIT);
    await screenshot(page, '04b-reply-in-inbox');

    await card.getByRole('button', { name: 'Detener' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Sí, continuar' }).click();
    await card.getByTestId('session-status').filter({ hasText: '🔴 Desconectado' }).waitFor(WAIT);
    await card.getByTestId('next-step').filter({ hasText: 'Reiniciar' }).waitFor(WAIT);
    await screenshot(page, '05-stopped');

    await card.getByRole('button', { name: 'Eliminar' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Sí, continuar' }).click();
    await page.getByText('Todavía no vinculaste ninguna cuenta.').waitFor(WAIT);
    expect(await page.getByTestId('session-card').count()).toBe(0);
    await screenshot(page, '06-deleted');

    await page.getByRole('button', { name: 'Salir' }).click();
    await page.getByRole('button', { name: 'Entrar' }).waitFor(WAIT);
  });
});

describe('console: QR rotation and expiry (short timeouts), on a phone-sized screen, in English', () => {
  let t: TestApp;
  let context: BrowserContext;
  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', WA_QR_TIMEOUT_MS: '4000', SSE_MAX_QR_GENERATION: '2' } });
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  });
  afterAll(async () => {
    await context?.close();
    await t?.close({ drop: true });
  });

  it('replaces the QR when it rotates, shows "QR expirado" when the budget runs out, and a retry brings a new QR', async () => {
    const page = await context.newPage();
    await signUp(page, t.baseUrl);
    await page.getByRole('button', { name: 'Cambiar idioma a inglés' }).click();
    await page.getByRole('heading', { name: 'Your WhatsApp accounts' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Switch language to Spanish' }).click();
    await page.getByRole('heading', { name: 'Tus cuentas de WhatsApp' }).waitFor(WAIT);

    // Every distinct QR the panel shows, recorded by the page itself (however fast they rotate).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenQrs: string[] }).seenQrs = seen;
      new MutationObserver(() => {
        const src = document.querySelector('[data-testid=connect-panel] [data-testid=qr-code]')?.getAttribute('src');
        if (src && !seen.includes(src)) seen.push(src);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Conectar WhatsApp' }).click();
    const panel = page.getByTestId('connect-panel');
    await panel.getByTestId('qr-code').waitFor(WAIT);
    await screenshot(page, '11-mobile-qr');
    await page.waitForFunction(() => (window as unknown as { seenQrs: string[] }).seenQrs.length >= 2, undefined, WAIT);

    await panel.getByTestId('qr-expired').filter({ hasText: 'QR expirado' }).waitFor(WAIT);
    await screenshot(page, '12-mobile-qr-expired');

    await panel.getByRole('button', { name: 'Regenerar QR' }).click();
    await panel.getByTestId('qr-code').waitFor(WAIT).catch(async (err: unknown) => {
      await screenshot(page, '13-mobile-qr-again-failed');
      throw err;
    });
    await panel.getByTestId('session-status').filter({ hasText: '🟡 Esperando escaneo' }).waitFor(WAIT);
    await screenshot(page, '13-mobile-qr-again');
  });
});
