/**
 * Issue 30 item 4: revoking a credential closes the connections it opened, within a second, on
 * every transport: Socket.io (socket.io-client), the plain WebSocket /ws/sessions (`ws`) and the
 * SSE onboarding stream (fetch-event-source and a native EventSource); they receive nothing more,
 * and the revoked credential opens nothing new. Revocations: DELETE /api-keys/:id, POST
 * /auth/logout-all, the password reset's confirmation.
 */
import WebSocket from 'ws';
import { TEST_ADMIN_ENV } from '../support/admin-auth.js';
import { call, expectErrorShape, logIn, signUp, TestDb, type Json } from '../support/auth-helpers.js';
import { connectSocket, type RecordingSocket } from '../support/realtime-harness.js';
import { openEventSource, openSseWithHeaders, type SseRecorder } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { Waitable } from '../support/waitable.js';

const WITHIN_MS = 1000;

class WsRecorder extends Waitable {
  readonly frames: Json[] = [];
  closeCode?: number;
  constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    // A refused upgrade, or a terminate() before the upgrade's answer: the test reads the status instead.
    ws.on('error', () => undefined);
  }
  closed(timeoutMs: number): Promise<number> {
    return this.until(() => this.closeCode, 'the close', timeoutMs);
  }
  protected describeReceived(): string {
    return JSON.stringify(this.frames.map((f) => f.type));
  }
}

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
});
