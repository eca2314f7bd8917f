/** What the console's browser specs share: their setup, signing up through the page, and the same user's token for the test's own API calls. */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { buildConsole } from '../../src/console/build.mjs';
import { logIn } from './auth-helpers.js';
import { launchChromium } from './browser.js';
import { startTestApp, type TestApp } from './test-app.js';

export const WAIT = { timeout: 30_000 };
const PASSWORD = 'correct-horse-1';

/** Signs up in the page (Spanish, the default) and waits for the live session list; returns the email. */
export async function signUpInPage(page: Page, baseUrl: string): Promise<string> {
  const email = `ana-${randomUUID()}@example.com`;
  await page.goto(`${baseUrl}/`);
  await page.getByRole('tab', { name: 'Crear cuenta' }).click();
  await page.getByLabel('Nombre').fill('Ana Console');
  await page.getByLabel('Correo electrónico').fill(email);
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Crear cuenta y entrar' }).click();
  await page.getByRole('heading', { name: 'Tus cuentas de WhatsApp' }).waitFor(WAIT);
  await page.getByTestId('live').filter({ hasText: 'En vivo' }).waitFor(WAIT);
  return email;
}

/** An access token of the user the page signed up, for what the test itself does over the API (playing the phone or a contact). */
export async function tokenOf(t: TestApp, email: string): Promise<string> {
  return (await logIn(t, email, PASSWORD)).accessToken;
}

/** One browser spec file's setup: a sandbox app, the built console, one Chromium, and a fresh browser context per test. */
export interface SandboxConsole {
  readonly t: TestApp;
  readonly browser: Browser;
  /** This test's context (closed after the test). */
  readonly context: BrowserContext;
  /** Replaces this test's context with one of other options (a phone-sized screen, say). */
  newContext(options: BrowserContextOptions): Promise<BrowserContext>;
}

/** Registers the hooks of a console browser spec; `contextOptions` are each test's context's. */
export function useSandboxConsole(contextOptions: BrowserContextOptions): SandboxConsole {
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    await buildConsole();
    browser = await launchChromium();
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close({ drop: true });
  });
  beforeEach(async () => {
    context = await browser!.newContext(contextOptions);
  });
  afterEach(async () => {
    await context?.close();
  });
  return {
    get t() { return t!; },
    get browser() { return browser!; },
    get context() { return context!; },
    async newContext(options) {
      await context?.close();
      context = await browser!.newContext(options);
      return context;
    },
  };
}
