/**
 * CORS and the refresh cookie in real Chromium (issue 30, item 3). A page on another origin of the
 * same site (another port on 127.0.0.1: cookies ignore ports, so the SameSite=Lax refresh cookie
 * goes along) calls `POST /auth/refresh` with `credentials: 'include'`. With CORS_ORIGINS unset
 * (`*`) it can read nothing and spends nothing; the app's own origin keeps refreshing; an origin
 * listed in CORS_ORIGINS keeps credentials.
 */
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, signUp, TestDb } from '../support/auth-helpers.js';
import { launchChromium } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const fetch: any;

interface PageAnswer {
  ok: boolean;
  status?: number;
  accessToken?: string;
  error?: string;
}

/** A plain page on its own port: the "other origin". */
async function startOtherOrigin(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>elsewhere</title><p>another origin</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { origin: `http://127.0.0.1:${port}`, server };
}

/** `fetch(url + '/auth/refresh', { method: 'POST', credentials: 'include' })` in the page; what the page could read. */
function refreshFrom(page: Page, appUrl: string, json: boolean): Promise<PageAnswer> {
  return page.evaluate(
    async ({ url, withJson }: { url: string; withJson: boolean }) => {
      try {
        const init: any = { method: 'POST', credentials: 'include' };
        if (withJson) Object.assign(init, { headers: { 'content-type': 'application/json' }, body: '{}' });
        const res = await fetch(`${url}/auth/refresh`, init);
        const body = await res.json().catch(() => ({}));
        return { ok: res.ok, status: res.status, accessToken: body.accessToken };
      } catch (err) {
        return { ok: false, error: String(err) };
      }
    },
    { url: appUrl, withJson: json },
  );
}

/** Logs in from the app's own origin (as the console does), which sets the refresh cookie. */
async function logInOnAppOrigin(page: Page, appUrl: string, email: string): Promise<void> {
  await page.goto(`${appUrl}/docs-json`);
  const status = await page.evaluate(
    async ({ mail, password }: { mail: string; password: string }) =>
      (await fetch('/auth/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: mail, password }) })).status,
    { mail: email, password: PASSWORD },
  );
  expect(status).toBe(200);
}

let browser: Browser;
let other: { origin: string; server: Server };
beforeAll(async () => {
  browser = await launchChromium();
  other = await startOtherOrigin();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => other?.server.close(resolve));
});

describe('CORS: the refresh cookie in Chromium', () => {
  let context: BrowserContext;
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context?.close();
  });

  describe('CORS_ORIGINS unset (*)', () => {
    let t: TestApp;
    let db: TestDb;
    beforeAll(async () => {
      t = await startTestApp();
      db = await TestDb.connect(t);
    });
    afterAll(async () => {
      await db?.close();
      await t?.close({ drop: true });
    });

    it('a page on another origin can neither read a token nor spend the cookie; the app’s own origin refreshes', async () => {
      const user = await signUp(t);
      const own = await context.newPage();
      await logInOnAppOrigin(own, t.baseUrl, user.email);

      const tokens = (): Promise<unknown[]> =>
        db.query('SELECT id, rotated_at, revoked_at FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at, id', [user.id]);
      const before = await tokens();
      expect(before).toHaveLength(1);

      const elsewhere = await context.newPage();
      await elsewhere.goto(`${other.origin}/`);
      // A simple request (no preflight) and a JSON one (preflighted): neither answer is readable.
      for (const json of [false, true]) {
        const answer = await refreshFrom(elsewhere, t.baseUrl, json);
        expect(answer).toEqual({ ok: false, error: expect.stringContaining('Failed to fetch') });
      }

      // The simple request reached the server with the cookie, which was not taken: nothing rotated.
      expect(await tokens()).toEqual(before);

      // The app's own origin still holds a live cookie.
      const first = await refreshFrom(own, t.baseUrl, true);
      expect(first).toEqual({ ok: true, status: 200, accessToken: expect.any(String) });
      const second = await refreshFrom(own, t.baseUrl, false);
      expect(second).toEqual({ ok: true, status: 200, accessToken: expect.any(String) });
    });

    it('answers a preflight from any origin without credentials', async () => {
      const res = await globalThis.fetch(`${t.baseUrl}/auth/refresh`, {
        method: 'OPTIONS',
        headers: { origin: other.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });

  describe('CORS_ORIGINS listing the other origin', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { CORS_ORIGINS: other.origin } });
    });
    afterAll(async () => {
      await t?.close({ drop: true });
    });

    it('keeps credentials for the listed origin', async () => {
      const user = await signUp(t);
      const own = await context.newPage();
      await logInOnAppOrigin(own, t.baseUrl, user.email);
      const listed = await context.newPage();
      await listed.goto(`${other.origin}/`);
      expect(await refreshFrom(listed, t.baseUrl, true)).toEqual({ ok: true, status: 200, accessToken: expect.any(String) });
      expect(await refreshFrom(own, t.baseUrl, true)).toEqual({ ok: true, status: 200, accessToken: expect.any(String) });
    });
  });
});
