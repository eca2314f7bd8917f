/**
 * What a restart keeps: access tokens signed with the key generated under DATA_DIR (no
 * JWT_SECRET), and sessions created with POST /sessions that wait for a scan (SSE onboardings,
 * whose client went with the old process, are removed).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNING_KEY_FILE } from '../../src/auth/signing-key.js';
import { call } from '../support/auth-helpers.js';
import { SessionRegistry } from '../../src/sessions/session-registry.js';
import { newUser, nextEvent, openSseWithHeaders, sandboxScan, statusEvent, uniquePhone } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

describe('restart without JWT_SECRET', () => {
  let t: TestApp | undefined;
  let db: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  beforeEach(async () => {
    db = await createTestDatabase('restart');
    dataDir = mkdtempSync(join(tmpdir(), 'wa-restart-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps access tokens valid: the key is generated once under DATA_DIR with mode 0600', async () => {
    t = await startTestApp({ env: { JWT_SECRET: '' }, databaseUrl: db.url, dataDir });
    expect(t.config.auth.jwtSecret).toBeUndefined();
    const user = await newUser(t);
    expect((await call(t, 'GET', '/users/me', { token: user.token })).status).toBe(200);
    expect(statSync(join(dataDir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    await t.close();
    t = await startTestApp({ env: { JWT_SECRET: '' }, databaseUrl: db.url, dataDir });
    const me = await call(t, 'GET', '/users/me', { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.userId });
  });
});

describe('restart with sessions waiting for a scan', () => {
  let t: TestApp | undefined;
  let db: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  const env = { WA_SANDBOX: 'true', SSE_RESUME_GRACE_MS: '60000' };
  beforeAll(async () => {
    db = await createTestDatabase('restart_pending');
    dataDir = mkdtempSync(join(tmpdir(), 'wa-restart-'));
  });
  afterAll(async () => {
    await t?.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The session's QR: the current one if it has one, else the next to arrive. */
  async function qrOf(app: TestApp, token: string, sessionId: string): Promise<string> {
    const next = nextEvent(app, 'session.qr.updated', (e) => e.sessionId === sessionId);
    next.catch(() => undefined);
    const current = await call(app, 'GET', `/sessions/${sessionId}/qr`, { token });
    if (current.status === 200) return current.body.data?.qrText ?? current.body.qrText;
    return (await next).payload.qrText;
  }

  it('brings back a POST /sessions session with a fresh QR flow, and removes the SSE onboarding whose client is gone', async () => {
    t = await startTestApp({ env, databaseUrl: db.url, dataDir });
    const user = await newUser(t);
    const created = await call(t, 'POST', '/sessions', { token: user.token, body: {} });
    expect(created.status).toBe(201);
    const restId: string = created.body.id ?? created.body.data?.id;
    const firstQr = await qrOf(t, user.token, restId);
    const sse = openSseWithHeaders(t, { authorization: `Bearer ${user.token}` });
    const { sessionId: sseId } = await sse.recorder.next((m) => m.sessionId && !m.connection);
    await sse.recorder.next((m) => m.qr);

    await t.close();
    await sse.recorder.ended();
    t = await startTestApp({ env, databaseUrl: db.url, dataDir });
    await t.app.get(SessionRegistry).whenRestored();

    expect((await call(t, 'GET', `/sessions/${sseId}`, { token: user.token })).status).toBe(404);
    const freshQr = await qrOf(t, user.token, restId);
    expect(freshQr).not.toBe(firstQr);
    const phone = uniquePhone();
    const connected = statusEvent(t, restId, 'connected');
    await sandboxScan(t, user.token, restId, phone);
    await connected;
    const row = await call(t, 'GET', `/sessions/${restId}`, { token: user.token });
    expect(row.body.data).toMatchObject({ id: restId, status: 'connected', phone });
    expect((await call(t, 'GET', '/sessions', { token: user.token })).body.data.map((s: { id: string }) => s.id)).toEqual([restId]);
  });
});
