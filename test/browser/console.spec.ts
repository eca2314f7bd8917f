/**
 * The web console in real Chromium against the running app in sandbox mode: sign-up, the seed 000
 * QR flow scanned by the sandbox phone (with its profile name), the pairing code entered on the
 * sandbox phone, live status over Socket.io, silent refresh, stop and delete; QR rotation, expiry
 * and "Regenerar QR" (in the connect panel and on a session card) with short timeouts. Every wait
 * is on what the page shows. The chats are in console-chats.spec.ts.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { buildConsole } from '../../src/console/build.mjs';
import { call } from '../support/auth-helpers.js';
import { launchChromium, screenshot } from '../support/browser.js';
import { signUpInPage as signUp, tokenOf, WAIT } from '../support/console-page.js';
import { uniquePhone } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Page-side callbacks (page.evaluate / waitForFunction) run in the browser: its globals, untyped here
// so that the DOM library does not leak into the Node typings of the whole project.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, window: any, MutationObserver: any;

let browser: Browser;
beforeAll(async () => {
  await buildConsole();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('console: connect (QR, pairing code), profile name, stop and delete', () => {
  let t: TestApp;
  let context: BrowserContext;
  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
  });
  // A fresh browser profile per test: no refresh cookie of another test's user.
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1180, height: 900 } });
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('signs up, links through the QR the sandbox phone scans, shows 🟢 with the number and the profile name, survives a reload, then stops and deletes', async () => {
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
    await panel.getByLabel('Nombre de perfil (opcional)').fill('Ana García');
    await panel.getByRole('button', { name: 'Escanear el QR' }).click();
    // Linked: the connect panel closes by itself and the account shows (seed 000).
    const linked = page.getByTestId('link-success');
    await linked.getByTestId('connected-phone').filter({ hasText: '+5491155550001' }).waitFor(WAIT);
    await linked.getByTestId('connected-name').filter({ hasText: 'Ana García' }).waitFor(WAIT);
    expect(await page.getByTestId('connect-panel').count()).toBe(0);
    await screenshot(page, '03-connected');

    const card = page.getByTestId('session-card');
    await card.getByTestId('session-status').filter({ hasText: '🟢 Conectado (+5491155550001)' }).waitFor(WAIT);
    await card.getByTestId('profile-name').filter({ hasText: 'Ana García' }).waitFor(WAIT);

    // The tenant's call auto-reject, set from the sessions page.
    const calls = page.getByTestId('call-settings');
    await calls.locator('summary').click();
    await calls.getByLabel('Rechazar todas las llamadas').check();
    await calls.getByLabel('Mensaje para quien llama (opcional, una vez por hora)').fill('Escribinos, no atendemos llamadas');
    await calls.getByRole('button', { name: 'Guardar' }).click();
    await calls.getByTestId('call-settings-state').filter({ hasText: 'se rechazan automáticamente' }).waitFor(WAIT);

    // Silent refresh: a reload keeps the login through the httpOnly refresh cookie.
    await page.reload();
    await card.getByTestId('session-status').filter({ hasText: '🟢 Conectado (+5491155550001)' }).waitFor(WAIT);
    await card.getByTestId('profile-name').filter({ hasText: 'Ana García' }).waitFor(WAIT);
    // The call setting was saved on the server.
    await page.getByTestId('call-settings-state').filter({ hasText: 'se rechazan automáticamente' }).waitFor(WAIT);
    expect(await page.getByTestId('call-settings').getByLabel('Mensaje para quien llama (opcional, una vez por hora)').inputValue()).toBe('Escribinos, no atendemos llamadas');
    await page.getByTestId('live').filter({ hasText: 'En vivo' }).waitFor(WAIT);

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

  it("sets a session's proxy on its card, shows it without the password, refuses a malformed one and removes it", async () => {
    const page = await context.newPage();
    const email = await signUp(page, t.baseUrl);
    const created = await call(t, 'POST', '/sessions', { token: await tokenOf(t, email) });
    expect(created.status).toBe(201);
    const card = page.locator(`[data-testid=session-card][data-session-id="${created.body.id as string}"]`);
    const proxy = card.getByTestId('proxy-setting');
    await proxy.getByTestId('proxy-value').filter({ hasText: 'ninguno' }).waitFor(WAIT);

    await proxy.getByRole('button', { name: 'Cambiar' }).click();
    await proxy.getByLabel('URL del proxy').fill('ftp://proxy.example.com:21');
    await proxy.getByRole('button', { name: 'Guardar' }).click();
    await proxy.getByRole('alert').filter({ hasText: /http:\/\/, https:\/\/ or socks5:\/\// }).waitFor(WAIT);

    await proxy.getByLabel('URL del proxy').fill('socks5://bob:card-s3cret@127.0.0.1:1080');
    await proxy.getByRole('button', { name: 'Guardar' }).click();
    await proxy.getByTestId('proxy-value').filter({ hasText: 'socks5://127.0.0.1:1080' }).waitFor(WAIT);
    await proxy.getByTestId('proxy-saved').filter({ hasText: 'Reiniciar' }).waitFor(WAIT);
    expect(await page.content()).not.toContain('card-s3cret');
    const read = await call(t, 'GET', `/sessions/${created.body.id as string}`, { token: await tokenOf(t, email) });
    expect(read.body.data.proxy).toBe('socks5://127.0.0.1:1080');
    await screenshot(page, '06b-proxy-set');

    await proxy.getByRole('button', { name: 'Quitar' }).click();
    await proxy.getByTestId('proxy-value').filter({ hasText: 'ninguno' }).waitFor(WAIT);
  });

  it('links with a pairing code: the number in, the 8-character code shown large, the sandbox phone enters it, 🟢 with the number', async () => {
    const page = await context.newPage();
    await signUp(page, t.baseUrl);
    const phone = uniquePhone();
    await page.getByRole('button', { name: 'Conectar WhatsApp' }).click();
    const panel = page.getByTestId('connect-panel');
    await panel.getByTestId('qr-code').waitFor(WAIT);
    await panel.getByRole('button', { name: 'Vincular con número de teléfono' }).click();
    await panel.getByLabel('Número con código de país (solo dígitos)').fill(phone);
    await panel.getByRole('button', { name: 'Obtener código' }).click();
    const shown = panel.getByTestId('pairing-code');
    await shown.filter({ hasText: /^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/ }).waitFor(WAIT);
    expect(await panel.getByTestId('qr-code').count()).toBe(0);
    const fontSize = await shown.evaluate((el: any) => parseFloat(window.getComputedStyle(el).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(32);
    await screenshot(page, '07-pairing-code');

    // The simulated phone: Linked devices › Link with phone number, and the code typed in.
    await panel.getByLabel('Código que muestra la consola').fill((await shown.textContent())!);
    await panel.getByRole('button', { name: 'Ingresar el código en el teléfono' }).click();
    await page.getByTestId('link-success').getByTestId('connected-phone').filter({ hasText: `+${phone}` }).waitFor(WAIT);
    expect(await page.getByTestId('connect-panel').count()).toBe(0);
    await screenshot(page, '08-paired');
    await page.getByTestId('session-card').getByTestId('session-status').filter({ hasText: `🟢 Conectado (+${phone})` }).waitFor(WAIT);
    expect(await page.getByTestId('session-card').count()).toBe(1);
  });
});

describe('console: QR rotation and expiry (short timeouts), on a phone-sized screen, in English', () => {
  let t: TestApp;
  let context: BrowserContext;
  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', WA_QR_TIMEOUT_MS: '4000', SSE_MAX_QR_GENERATION: '2' } });
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
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
  it('"Regenerar QR" on a session card whose QR expired brings a new QR to that card', async () => {
    const page = await context.newPage();
    const email = await signUp(page, t.baseUrl);
    // A session made by another client of the API (not the connect panel): the list shows it as a card.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { cardQrs: string[] }).cardQrs = seen;
      new MutationObserver(() => {
        const src = document.querySelector('[data-testid=session-card] [data-testid=qr-code]')?.getAttribute('src');
        if (src && !seen.includes(src)) seen.push(src);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const created = await call(t, 'POST', '/sessions', { token: await tokenOf(t, email) });
    expect(created.status).toBe(201);
    const card = page.locator(`[data-testid=session-card][data-session-id="${created.body.id as string}"]`);
    await card.getByTestId('qr-code').waitFor(WAIT);
    await card.getByTestId('qr-expired').filter({ hasText: 'QR expirado' }).waitFor(WAIT);
    await card.getByTestId('session-status').filter({ hasText: 'QR expirado' }).waitFor(WAIT);
    const before = await page.evaluate(() => (window as unknown as { cardQrs: string[] }).cardQrs.length);
    expect(before).toBeGreaterThanOrEqual(1);
    await screenshot(page, '14-card-qr-expired');

    await card.getByRole('button', { name: 'Regenerar QR' }).click();
    // The card shows a QR only while the session waits for a scan: a new one there is the regenerated QR.
    await page.waitForFunction((n: number) => (window as unknown as { cardQrs: string[] }).cardQrs.length > n, before, WAIT).catch(async (err: unknown) => {
      await screenshot(page, '15-card-qr-again-failed');
      throw err;
    });
    await screenshot(page, '15-card-qr-again');
  });
});
