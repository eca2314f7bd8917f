/**
 * Realtime with short windows and other settings: the authentication window, the QR budget
 * (qr-expired), service API keys on the handshake, an admin's scope, and CORS for long-polling.
 */
import { TEST_ADMIN_ENV, adminHeaders } from '../support/admin-auth.js';
import { call } from '../support/auth-helpers.js';
import { connectAuthenticated, connectSocket, type RecordingSocket } from '../support/realtime-harness.js';
import { newUser, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SPA = 'http://spa.example';

describe('realtime with short windows', () => {
  let t: TestApp;
  let alice: TestUser;
  const opened: RecordingSocket[] = [];
  const track = (s: RecordingSocket): RecordingSocket => {
    opened.push(s);
    return s;
  };

  beforeAll(async () => {
    t = await startTestApp({
      env: { WA_SANDBOX: 'true', REALTIME_AUTH_TIMEOUT_MS: '1500', SSE_MAX_QR_GENERATION: '1', WA_QR_TIMEOUT_MS: '1000', CORS_ORIGINS: SPA, ...TEST_ADMIN_ENV },
    });
    alice = await newUser(t);
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await t?.close({ drop: true });
  });

  it('disconnects a socket that does not authenticate within the window, saying why', async () => {
    const s = track(connectSocket(t));
    expect(await s.next('unauthorized')).toEqual({ code: 'AUTH_TIMEOUT', message: expect.stringContaining('1500 ms') });
    expect(await s.disconnected()).toBe('io server disconnect');
    expect(s.received.map((r) => r.event)).toEqual(['unauthorized']);
  });

  it('tells subscribers qr-expired when the QR budget runs out, without a connection-error', async () => {
    const tenant = track(await connectAuthenticated(t, alice.token));
    const subscriber = track(await connectAuthenticated(t, alice.token));
    const res = await call(t, 'POST', '/sessions', { token: alice.token });
    const id: string = res.body.id;
    subscriber.socket.emit('subscribe-session', { instance_id: id });
    expect(await subscriber.next('qr-expired')).toEqual({ instance_id: id, message: 'QR expirado, genere uno nuevo' });
    expect(subscriber.all('session-status').at(-1)).toMatchObject({ instance_id: id, status: 'expired', reason: 'qr_expired' });
    expect(subscriber.all('connection-error')).toEqual([]);
    const disconnected = await tenant.next('session.status.disconnected', (e) => e.sessionId === id);
    expect(disconnected.payload).toEqual({ tenantId: alice.tenantId, reason: 'qr_expired', disconnectedAt: expect.any(String) });
    subscriber.socket.emit('request-qr', { instance_id: id });
    expect(await subscriber.next('connection-error', (e) => e.error === 'QR_NOT_AVAILABLE')).toMatchObject({ instance_id: id, status: 'expired' });
  });

  it('accepts a service API key with x-user-id on the handshake (no expiry), scoped to that user\'s tenant', async () => {
    const admin = await adminHeaders(t.baseUrl);
    const created = await call(t, 'POST', '/api-keys', { headers: admin, body: { name: 'realtime-service' } });
    expect(created.status).toBe(201);
    const s = track(connectSocket(t, { extraHeaders: { 'x-api-key': created.body.key, 'x-user-id': alice.userId } }));
    expect(await s.next('authenticated')).toEqual({ success: true, userId: alice.userId, tenantId: alice.tenantId, role: 'user', expiresAt: null });
    const snapshots = await s.nextN('session.snapshot', 1);
    expect(snapshots.every((e) => e.payload.tenantId === alice.tenantId)).toBe(true);

    const wrong = track(connectSocket(t, { extraHeaders: { 'x-api-key': 'wao_nope', 'x-user-id': alice.userId } }));
    expect(await wrong.next('unauthorized')).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await wrong.disconnected()).toBe('io server disconnect');
  });

  it("keeps an admin's socket to the admin's own tenant", async () => {
    const token = (await adminHeaders(t.baseUrl)).authorization.replace('Bearer ', '');
    const s = track(await connectAuthenticated(t, token));
    const me = s.all('authenticated')[0];
    expect(me).toMatchObject({ success: true, role: 'admin' });
    expect(me.tenantId).not.toBe(alice.tenantId);
    expect(s.all('session.snapshot').every((e) => e.payload.tenantId === me.tenantId)).toBe(true);
    const [aliceSession] = (await call(t, 'GET', '/sessions', { token: alice.token })).body.data;
    s.socket.emit('subscribe-session', { instance_id: aliceSession.id });
    expect(await s.next('connection-error')).toMatchObject({ instance_id: aliceSession.id, error: 'SESSION_NOT_FOUND' });
    expect(s.received.map((r) => r.event).filter((e) => e !== 'session.snapshot')).toEqual(['authenticated', 'connection-error']);
  });

  it('answers CORS for long-polling with the allowed origins only', async () => {
    const preflight = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { origin: SPA, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const allowed = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { origin: SPA } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    await allowed.text();
    const foreign = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    await foreign.text();
  });
});
