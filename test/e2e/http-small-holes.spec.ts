/**
 * Issue 30, item 9: an access token under a percent-escaped query name is neither accepted nor
 * logged; HEAD on the GET routes that start something is a 405 that creates nothing; CSP's
 * `upgrade-insecure-requests` only behind HTTPS (on plain HTTP it blanks the console).
 */
import { newUser, type TestUser } from '../support/sessions-harness.js';
import { TestDb } from '../support/auth-helpers.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP: escaped token names, HEAD on acting routes, CSP behind HTTPS', () => {
  let t: TestApp;
  let db: TestDb;
  let user: TestUser;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', LOG_LEVEL: 'info' }, logTo: { write: (line) => void logLines.push(line) } });
    db = await TestDb.connect(t);
    user = await newUser(t);
  });
  afterAll(async () => {
    await db?.close();
    await t?.close({ drop: true });
  });

  const sessionsOfTenant = async (): Promise<number> =>
    Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM wa_sessions WHERE tenant_id = $1', [user.tenantId]))[0].n);

  it('refuses ?accessTok%65n= (400) and never logs the token, whatever the spelling', async () => {
    const escaped = await fetch(`${t.baseUrl}/sessions?accessTok%65n=${user.token}`);
    expect(escaped.status).toBe(400);
    const body = (await escaped.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('literally') });
    const allEscaped = await fetch(`${t.baseUrl}/sessions?%61%63%63%65%73%73%54%6f%6b%65%6e=${user.token}`);
    expect(allEscaped.status).toBe(400);
    // The literal name still works (EventSource, Socket.io, <img src>).
    expect((await fetch(`${t.baseUrl}/sessions?accessToken=${user.token}`)).status).toBe(200);

    const signature = user.token.split('.')[2];
    expect(logLines.join('\n')).toContain('accessTok%65n=[REDACTED]');
    expect(logLines.filter((line) => line.includes(signature))).toEqual([]);
  });

  it.each(['/sessions/add-sse', '/generate-qr'])('answers HEAD %s with 405 at once and creates nothing', async (path) => {
    const before = await sessionsOfTenant();
    const res = await fetch(`${t.baseUrl}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${user.token}` }, signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(await sessionsOfTenant()).toBe(before);
    // Nor does the API list one.
    const list = await fetch(`${t.baseUrl}/sessions`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(before);
  });

  it('still answers HEAD on a plain GET route', async () => {
    const res = await fetch(`${t.baseUrl}/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
  });

  it('sends upgrade-insecure-requests only over HTTPS (X-Forwarded-Proto from a trusted proxy)', async () => {
    const plain = await fetch(`${t.baseUrl}/health`, { headers: { host: 'wa.lan:3000' } });
    expect(plain.status).toBe(200);
    const plainCsp = plain.headers.get('content-security-policy') ?? '';
    expect(plainCsp).toContain(`default-src 'self'`);
    expect(plainCsp).not.toContain('upgrade-insecure-requests');

    const behindHttps = await fetch(`${t.baseUrl}/health`, { headers: { host: 'wa.example.com', 'x-forwarded-proto': 'https' } });
    const httpsCsp = behindHttps.headers.get('content-security-policy') ?? '';
    expect(httpsCsp).toContain(`default-src 'self'`);
    expect(httpsCsp.match(/upgrade-insecure-requests/g)).toHaveLength(1);
  });
});
