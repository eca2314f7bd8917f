/**
 * Seed 002's plain WebSocket, `ws://<host>/ws/sessions?accessToken=`, with the `ws` client: the
 * snapshot first, the onboarding events in the seed 002 envelope, never another tenant's.
 */
import WebSocket from 'ws';
import { call, type Json } from '../support/auth-helpers.js';
import { newUser, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WsRecorder } from '../support/ws-recorder.js';

describe('plain WebSocket /ws/sessions (seed 002)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  const opened: WebSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', CORS_ORIGINS: 'http://localhost:5173' } });
    alice = await newUser(t);
    bob = await newUser(t);
  });
  afterAll(async () => {
    for (const ws of opened) ws.close();
    await t?.close({ drop: true });
  });

  const wsUrl = (query = ''): string => `${t.baseUrl.replace(/^http/, 'ws')}/ws/sessions${query}`;
  function open(url: string, headers: Record<string, string> = {}): WsRecorder {
    const ws = new WebSocket(url, { headers });
    opened.push(ws);
    return new WsRecorder(ws);
  }

  it('sends the snapshot first, then the onboarding events of its tenant only', async () => {
    const aliceWs = open(wsUrl(`?accessToken=${encodeURIComponent(alice.token)}`));
    const bobWs = open(wsUrl(), { authorization: `Bearer ${bob.token}` });
    const first = await aliceWs.next(() => true, 'a first frame');
    expect(first).toMatchObject({ type: 'session.snapshot', sessionId: null, payload: { tenantId: alice.tenantId, session: null } });
    expect(Object.keys(first).sort()).toEqual(['eventId', 'occurredOn', 'payload', 'sessionId', 'type']);
    await bobWs.next((f) => f.type === 'session.snapshot', "bob's snapshot");

    const id: string = (await call(t, 'POST', '/sessions', { token: alice.token })).body.id;
    expect(await aliceWs.next((f) => f.type === 'session.created', 'session.created')).toMatchObject({ sessionId: id, payload: { tenantId: alice.tenantId, id } });
    const qr = await aliceWs.next((f) => f.type === 'session.qr.updated', 'session.qr.updated');
    expect(qr).toMatchObject({ sessionId: id, payload: { qr: expect.stringMatching(/^data:image\/png;base64,/) } });
    const phone = uniquePhone();
    await sandboxScan(t, alice.token, id, phone);
    expect(await aliceWs.next((f) => f.type === 'session.status.connected', 'session.status.connected')).toMatchObject({ sessionId: id, payload: { phone } });

    // Bob's own event arriving proves his socket is live; none of Alice's ever reached it.
    const bobSession: string = (await call(t, 'POST', '/sessions', { token: bob.token })).body.id;
    await bobWs.next((f) => f.type === 'session.created' && f.sessionId === bobSession, "bob's session.created");
    expect(bobWs.frames.filter((f) => f.sessionId === id || f.payload?.tenantId === alice.tenantId)).toEqual([]);
    expect(aliceWs.frames.filter((f) => f.sessionId === bobSession)).toEqual([]);
  });

  it('snapshots existing sessions to a new client', async () => {
    const ws = open(wsUrl(`?accessToken=${encodeURIComponent(alice.token)}`));
    const snapshot = await ws.next((f) => f.type === 'session.snapshot', 'the snapshot');
    expect(snapshot.payload.session).toMatchObject({ status: expect.any(String), tenantId: alice.tenantId });
  });

  it('refuses a bad token with a 401 in the error shape and a foreign origin with a 403', async () => {
    for (const [url, headers, status] of [
      [wsUrl('?accessToken=not-a-jwt'), {}, 401],
      [wsUrl(), {}, 401],
      [wsUrl(`?accessToken=${encodeURIComponent(alice.token)}`), { origin: 'https://evil.example' }, 403],
    ] as const) {
      const ws = new WebSocket(url, { headers });
      const refused = await new Promise<{ status: number; body: Json }>((resolve, reject) => {
        ws.on('unexpected-response', (_req, res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        ws.on('open', () => reject(new Error('opened')));
      });
      expect(refused.status).toBe(status);
      expect(refused.body).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } });
      expect(refused.body.message).toBe(refused.body.error.message);
    }
  });
});
