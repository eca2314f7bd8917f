/**
 * Issue 30 item 4: revoking a credential closes the connections it opened, within a second, on
 * every transport: Socket.io (socket.io-client), the plain WebSocket /ws/sessions (`ws`) and the
 * SSE onboarding stream (fetch-event-source and a native EventSource); they receive nothing more,
 * and the revoked credential opens nothing new. Revocations: DELETE /api-keys/:id, POST
 * /auth/logout-all, the password reset's confirmation, DELETE /users/:id (with its 4xx cases).
 */
import WebSocket from 'ws';
import { TEST_ADMIN_ENV } from '../support/admin-auth.js';
import { call, expectErrorShape, logIn, signUp, TestDb } from '../support/auth-helpers.js';
import { connectSocket, type RecordingSocket } from '../support/realtime-harness.js';
import { awaitStatus, openEventSource, openSseWithHeaders, sandboxScan, uniquePhone, type SseRecorder } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WsRecorder } from '../support/ws-recorder.js';

const WITHIN_MS = 1000;

describe('revoked credentials close their open connections', () => {
  let t: TestApp;
  let db: TestDb;
  let adminToken: string;
  const cleanups: Array<() => void> = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { ...TEST_ADMIN_ENV, WA_SANDBOX: 'true' } });
    db = await TestDb.connect(t);
    adminToken = (await logIn(t, TEST_ADMIN_ENV.ADMIN_EMAIL, TEST_ADMIN_ENV.ADMIN_PASSWORD)).accessToken;
  });
  afterEach(() => {
    for (const close of cleanups.splice(0)) close();
  });
  afterAll(async () => {
    await db?.close();
    await t?.close({ drop: true });
  });

  function openWs(headers: Record<string, string>, query = ''): WsRecorder {
    const ws = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/ws/sessions${query}`, { headers });
    cleanups.push(() => ws.terminate());
    return new WsRecorder(ws);
  }

  function track(socket: RecordingSocket): RecordingSocket {
    cleanups.push(() => socket.close());
    return socket;
  }

  /** Admitted: `authenticated { success: true }` is sent once the socket counts as live. */
  async function admitted(socket: RecordingSocket): Promise<RecordingSocket> {
    track(socket);
    expect(await socket.next('authenticated')).toMatchObject({ success: true });
    return socket;
  }

  /** Open: the server admits the client before the upgrade's answer reaches it. */
  async function opened(recorder: WsRecorder): Promise<WsRecorder> {
    await new Promise((resolve, reject) => {
      recorder.ws.once('open', resolve);
      recorder.ws.once('error', reject);
    });
    return recorder;
  }

  /** Something the tenant's live connections are sent: a new session (session.created). */
  async function tenantEvent(token: string, witness: RecordingSocket): Promise<void> {
    const before = witness.all('session.created').length;
    const created = await call(t, 'POST', '/sessions', { token });
    expect(created.status).toBe(201);
    await witness.nextN('session.created', before + 1);
  }

  async function expectClosedWithin(sio: RecordingSocket, ws: WsRecorder, sse: SseRecorder, revokedAt: number): Promise<void> {
    const [reason, code] = await Promise.all([sio.disconnected(WITHIN_MS), ws.closed(WITHIN_MS), sse.ended(WITHIN_MS)]);
    expect(Date.now() - revokedAt).toBeLessThan(WITHIN_MS);
    expect(reason).toBe('io server disconnect');
    expect(sio.all('unauthorized')).toEqual([{ code: 'CREDENTIAL_REVOKED', message: expect.any(String) }]);
    expect(code).toBe(4003);
  }

  it('DELETE /api-keys/:id closes the key\'s Socket.io, WebSocket and SSE connections; nothing more reaches them', async () => {
    const alice = await signUp(t);
    const aliceToken = (await logIn(t, alice.email)).accessToken;
    const { body: created } = await call(t, 'POST', '/api-keys', { token: adminToken, body: { name: 'revoked-live' } });
    const keyHeaders = { 'x-api-key': created.key as string, 'x-user-id': alice.id };

    const sio = await admitted(connectSocket(t, { extraHeaders: keyHeaders }));
    const ws = await opened(openWs(keyHeaders));
    const sse = openSseWithHeaders(t, keyHeaders);
    cleanups.push(sse.abort);
    expect(await sse.status).toBe(200);
    await sse.recorder.next((m) => typeof m.sessionId === 'string');
    const witness = await admitted(connectSocket(t, { auth: { token: aliceToken } }));

    const revokedAt = Date.now();
    expect((await call(t, 'DELETE', `/api-keys/${created.id}`, { token: adminToken })).status).toBe(204);
    await expectClosedWithin(sio, ws, sse.recorder, revokedAt);

    const [sioSeen, wsSeen, sseSeen] = [sio.received.length, ws.frames.length, sse.recorder.messages.length];
    await tenantEvent(aliceToken, witness);
    expect([sio.received.length, ws.frames.length, sse.recorder.messages.length]).toEqual([sioSeen, wsSeen, sseSeen]);

    // The key opens nothing new.
    const again = track(connectSocket(t, { extraHeaders: keyHeaders }));
    expect(await again.next('unauthorized')).toMatchObject({ code: 'UNAUTHORIZED' });
    const refused = openWs(keyHeaders);
    const status = await new Promise<number>((resolve) => refused.ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it("POST /auth/logout-all closes the user's access-token connections (native EventSource too); the old token opens nothing new, a new login does", async () => {
    const alice = await signUp(t);
    const aliceToken = (await logIn(t, alice.email)).accessToken;
    const bob = await signUp(t);
    const bobToken = (await logIn(t, bob.email)).accessToken;

    const sio = await admitted(connectSocket(t, { auth: { token: aliceToken } }));
    const ws = await opened(openWs({}, `?accessToken=${aliceToken}`));
    const { recorder: sse, source } = openEventSource(t, `?accessToken=${aliceToken}`);
    cleanups.push(() => source.close());
    await sse.next((m) => typeof m.sessionId === 'string');
    const bystander = await admitted(connectSocket(t, { auth: { token: bobToken } }));

    const revokedAt = Date.now();
    expect((await call(t, 'POST', '/auth/logout-all', { token: aliceToken })).status).toBe(204);
    await expectClosedWithin(sio, ws, sse, revokedAt);
    expect(bystander.disconnectReason).toBeUndefined();

    expectErrorShape(await call(t, 'GET', '/users/me', { token: aliceToken }), 401, 'UNAUTHORIZED');
    const again = track(connectSocket(t, { auth: { token: aliceToken } }));
    expect(await again.next('unauthorized')).toMatchObject({ code: 'UNAUTHORIZED', message: 'Access token revoked' });

    const fresh = (await logIn(t, alice.email)).accessToken;
    expect((await call(t, 'GET', '/users/me', { token: fresh })).status).toBe(200);
    const witness = await admitted(connectSocket(t, { auth: { token: fresh } }));
    const seen = sio.received.length;
    await tenantEvent(fresh, witness);
    expect(sio.received.length).toBe(seen);
  });

  it("confirming a password reset closes the user's access-token connections", async () => {
    const alice = await signUp(t);
    const aliceToken = (await logIn(t, alice.email)).accessToken;
    const sio = await admitted(connectSocket(t, { auth: { token: aliceToken } }));
    const ws = await opened(openWs({ authorization: `Bearer ${aliceToken}` }));
    const sse = openSseWithHeaders(t, { authorization: `Bearer ${aliceToken}` });
    cleanups.push(sse.abort);
    await sse.recorder.next((m) => typeof m.sessionId === 'string');

    expect((await call(t, 'POST', '/auth/password-reset', { body: { email: alice.email } })).status).toBe(202);
    const token = await db.latestMailToken(alice.email, 'password_reset');
    const revokedAt = Date.now();
    expect((await call(t, 'POST', '/auth/password-reset/confirm', { body: { token, password: 'Another-Secure-456!' } })).status).toBe(204);
    await expectClosedWithin(sio, ws, sse.recorder, revokedAt);
    expectErrorShape(await call(t, 'GET', '/users/me', { token: aliceToken }), 401, 'UNAUTHORIZED');
  });

  describe('DELETE /users/:id', () => {
    it("closes every connection acting as the user (its tokens, an API key naming it); its credentials are refused; the tenant's session keeps running", async () => {
      const alice = await signUp(t);
      const aliceLogin = await logIn(t, alice.email);
      const aliceToken = aliceLogin.accessToken;
      const bob = await signUp(t);
      const { body: key } = await call(t, 'POST', '/api-keys', { token: adminToken, body: { name: 'acts-for-users' } });
      const asAlice = { 'x-api-key': key.key as string, 'x-user-id': alice.id };
      const asBob = { 'x-api-key': key.key as string, 'x-user-id': bob.id };

      // A paired WhatsApp session of Alice's tenant.
      const session = await call(t, 'POST', '/sessions', { token: aliceToken });
      expect(session.status).toBe(201);
      const sessionId = session.body.id as string;
      await awaitStatus(t, aliceToken, sessionId, 'qr_required');
      await sandboxScan(t, aliceToken, sessionId, uniquePhone());
      await awaitStatus(t, aliceToken, sessionId, 'connected');

      const sio = await admitted(connectSocket(t, { auth: { token: aliceToken } }));
      const sioByKey = await admitted(connectSocket(t, { extraHeaders: asAlice }));
      const ws = await opened(openWs(asAlice));
      const sse = openSseWithHeaders(t, { authorization: `Bearer ${aliceToken}` });
      cleanups.push(sse.abort);
      await sse.recorder.next((m) => typeof m.sessionId === 'string');
      // The same key acting for another user is not touched.
      const bystander = await admitted(connectSocket(t, { extraHeaders: asBob }));

      const revokedAt = Date.now();
      expect((await call(t, 'DELETE', `/users/${alice.id}`, { token: adminToken })).status).toBe(204);
      await expectClosedWithin(sio, ws, sse.recorder, revokedAt);
      expect(await sioByKey.disconnected(WITHIN_MS)).toBe('io server disconnect');
      expect(sioByKey.all('unauthorized')).toEqual([{ code: 'CREDENTIAL_REVOKED', message: expect.any(String) }]);
      expect(bystander.disconnectReason).toBeUndefined();

      // Nothing of Alice's opens anything any more: access token, refresh token, password, the key naming her.
      expectErrorShape(await call(t, 'GET', '/users/me', { token: aliceToken }), 401, 'UNAUTHORIZED');
      expectErrorShape(await call(t, 'GET', '/users/me', { headers: asAlice }), 401, 'UNAUTHORIZED');
      expectErrorShape(await call(t, 'POST', '/auth/refresh', { body: { refreshToken: aliceLogin.refreshToken } }), 401);
      expectErrorShape(await call(t, 'POST', '/auth/login', { body: { email: alice.email, password: alice.password } }), 401);
      const again = track(connectSocket(t, { auth: { token: aliceToken } }));
      expect(await again.next('unauthorized')).toMatchObject({ code: 'UNAUTHORIZED', message: 'Access token revoked' });
      const refused = openWs(asAlice);
      const status = await new Promise<number>((resolve) => refused.ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      expect(status).toBe(401);
      expect(await db.query('SELECT 1 FROM refresh_tokens WHERE user_id = $1', [alice.id])).toEqual([]);

      // The key still acts for others; the tenant and its WhatsApp session are untouched.
      expect((await call(t, 'GET', '/users/me', { headers: asBob })).status).toBe(200);
      const kept = await call(t, 'GET', `/sessions/${sessionId}`, { token: adminToken });
      expect(kept.status).toBe(200);
      expect(kept.body.data).toMatchObject({ status: 'connected' });
      expect(await db.query('SELECT id FROM tenants WHERE id = $1', [alice.tenantId])).toHaveLength(1);
    });

    it('is for admins, answers 4xx in the error shape for bad, unknown and forbidden ids, and keeps the last admin', async () => {
      const alice = await signUp(t);
      const aliceToken = (await logIn(t, alice.email)).accessToken;
      const bob = await signUp(t);
      const { body: me } = await call(t, 'GET', '/users/me', { token: adminToken });

      expectErrorShape(await call(t, 'DELETE', `/users/${bob.id}`), 401, 'UNAUTHORIZED');
      // Not an admin: neither another tenant's user nor itself (its tenant would be left without a user).
      expectErrorShape(await call(t, 'DELETE', `/users/${bob.id}`, { token: aliceToken }), 403, 'FORBIDDEN');
      expectErrorShape(await call(t, 'DELETE', `/users/${alice.id}`, { token: aliceToken }), 403, 'FORBIDDEN');
      expectErrorShape(await call(t, 'DELETE', `/users/${bob.id}`, { headers: { 'x-api-key': (await apiKey()).key, 'x-user-id': alice.id } }), 403, 'FORBIDDEN');
      expectErrorShape(await call(t, 'DELETE', '/users/not-a-uuid', { token: adminToken }), 400);
      expectErrorShape(await call(t, 'DELETE', '/users/00000000-0000-4000-8000-000000000000', { token: adminToken }), 404, 'NOT_FOUND');
      expectErrorShape(await call(t, 'DELETE', `/users/${me.id}`, { token: adminToken }), 409, 'CONFLICT');
      for (const user of [alice, bob]) expect((await call(t, 'POST', '/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
      expect((await call(t, 'GET', '/users/me', { token: adminToken })).status).toBe(200);

      // Another admin can go (one is left); deleting twice is a 404.
      const carol = await signUp(t);
      await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [carol.id]);
      expect((await call(t, 'DELETE', `/users/${carol.id}`, { token: adminToken })).status).toBe(204);
      expectErrorShape(await call(t, 'DELETE', `/users/${carol.id}`, { token: adminToken }), 404, 'NOT_FOUND');
      // The address is free again (a taken one would be answered 201 too, but nothing stored: the login tells).
      await signUp(t, { email: carol.email, password: 'Different-Pass-789!' });
      expect((await call(t, 'POST', '/auth/login', { body: { email: carol.email, password: 'Different-Pass-789!' } })).status).toBe(200);
    });

    async function apiKey(): Promise<{ key: string }> {
      const { body } = await call(t, 'POST', '/api-keys', { token: adminToken, body: { name: 'not-an-admin' } });
      return body;
    }
  });
});
