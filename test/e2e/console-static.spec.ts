/** The built console is served at / next to the API, which keeps its paths, errors and /docs. */
import { buildConsole } from '../../src/console/build.mjs';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('web console static files', () => {
  let t: TestApp;
  beforeAll(async () => {
    await buildConsole();
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('serves index.html at / and its bundle with relative URLs, no CDN', async () => {
    const page = await fetch(`${t.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="app"></div>');
    expect(html).toContain('src="app.js"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const js = await fetch(`${t.baseUrl}/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${t.baseUrl}/app.css`)).status).toBe(200);
  });

  it('leaves the API, its error shape and /docs as they were', async () => {
    const sessions = await fetch(`${t.baseUrl}/sessions`);
    expect(sessions.status).toBe(401);
    expect(((await sessions.json()) as { success: boolean }).success).toBe(false);
    const missing = await fetch(`${t.baseUrl}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBeDefined();
    expect((await fetch(`${t.baseUrl}/docs`)).status).toBe(200);
  });
});
