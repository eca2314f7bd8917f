/** What the console's browser specs share: signing up through the page, and the same user's token for the test's own API calls. */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { logIn } from './auth-helpers.js';
import type { TestApp } from './test-app.js';

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
