/**
 * Calls end to end on the simulator: a contact's call reaches the API as `session.call`
 * (Socket.io, the plain WebSocket and a webhook subscription), POST /calls/:callId/reject declines it (the caller sees
 * it rejected), and the tenant's auto-reject declines every call and answers each caller once an hour.
 */
import WebSocket from 'ws';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { connectAuthenticated, type RecordingSocket } from '../support/realtime-harness.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('calls: session.call, reject, auto-reject', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let session: { id: string; phone: string };
  let socket: RecordingSocket;
  let receiver: CallbackReceiver;
  const caller = uniquePhone();

  let ws: WebSocket;
  let wsFrames: Json[] = [];
  const wsWaiters = new Set<() => void>();
  /** The first frame of the plain WebSocket (/ws/sessions) that matches, as it arrives. */
  const wsNext = (match: (f: Json) => boolean): Promise<Json> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame on /ws/sessions within 20 s; got ${JSON.stringify(wsFrames.map((f) => f.type))}`)), 20_000);
      const check = () => {
        const found = wsFrames.find(match);
        if (!found) return;
        clearTimeout(timer);
        wsWaiters.delete(check);
        resolve(found);
      };
      wsWaiters.add(check);
      check();
    });

  const sim = () => t.app.get(SandboxService).simulator;
  const ring = async (from = caller): Promise<string> => {
    const res = await call(t, 'POST', `/sandbox/contacts/${from}/calls`, { token: alice.token, body: { to: session.phone, ringSeconds: 60 } });
    expect(res.status).toBe(200);
    return res.body.callId as string;
  };

  beforeAll(async () => {
    receiver = await CallbackReceiver.start();
    t = await startTestApp({ env: { WA_SANDBOX: 'true', ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL_MS: '50' } });
    alice = await newUser(t);
    bob = await newUser(t);
    session = await linkSandboxSession(t, alice.token);
    socket = await connectAuthenticated(t, alice.token);
    ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/ws/sessions?accessToken=${encodeURIComponent(alice.token)}`);
    ws.on('message', (data) => {
      wsFrames = [...wsFrames, JSON.parse(String(data)) as Json];
      wsWaiters.forEach((w) => w());
    });
    await wsNext((f) => f.type === 'session.snapshot');
    const hook = await call(t, 'POST', '/webhooks', { token: alice.token, body: { url: `${receiver.url}/calls`, events: ['session.call'] } });
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    socket?.socket.close();
    ws?.close();
    await t?.close({ drop: true });
    await receiver?.close();
  });

  it('a call arrives as session.call (Socket.io, WebSocket, webhook); rejecting it declines it for the caller', async () => {
    const offered = nextEvent(t, 'session.call', (e) => e.sessionId === session.id && e.payload.calls.some((c) => c.status === 'offer'));
    const callId = await ring();
    const event = await offered;
    expect(event.payload).toEqual({
      tenantId: alice.tenantId,
      calls: [{ id: callId, from: expect.stringMatching(/@(s\.whatsapp\.net|lid)$/), fromPhone: caller, isVideo: false, isGroup: false, status: 'offer', at: expect.any(String) }],
    });
    const pushed = await socket.next('session.call', (d) => d.payload?.calls?.[0]?.id === callId);
    expect(pushed).toMatchObject({ type: 'session.call', sessionId: session.id, payload: { calls: [{ id: callId, status: 'offer' }] } });
    expect(await wsNext((f) => f.type === 'session.call' && f.payload?.calls?.[0]?.id === callId)).toMatchObject({ sessionId: session.id, payload: { tenantId: alice.tenantId, calls: [{ id: callId, status: 'offer' }] } });
    await receiver.waitFor((r) => r.requests.some((q) => q.path === '/calls' && (q.body as { payload?: { calls?: Array<{ id: string }> } }).payload?.calls?.[0]?.id === callId));

    const declined = sim().waitFor('call', (c) => c.callId === callId && c.status === 'rejected');
    const rejectEvent = nextEvent(t, 'session.call', (e) => e.payload.calls.some((c) => c.id === callId && c.status === 'reject'));
    const res = await call(t, 'POST', `/calls/${callId}/reject`, { token: alice.token, body: { from: caller } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: callId, from: event.payload.calls[0]!.from, status: 'reject' });
    await declined;
    await rejectEvent;
    const seen = await call(t, 'GET', `/sandbox/contacts/${caller}/calls`, { token: alice.token });
    expect(seen.body.data).toEqual([expect.objectContaining({ callId, status: 'rejected' })]);
    // Once rejected, it is no longer ringing.
    expectErrorShape(await call(t, 'POST', `/calls/${callId}/reject`, { token: alice.token, body: {} }), 409);
  });

  it('auto-reject: every call declined, the caller answered once per hour', async () => {
    expect((await call(t, 'GET', '/config/calls', { token: alice.token })).body).toEqual({ autoReject: false, message: null });
    const set = await call(t, 'POST', '/config/calls', { token: alice.token, body: { autoReject: true, message: 'No calls, please write' } });
    expect(set.body).toEqual({ autoReject: true, message: 'No calls, please write' });
    expect((await call(t, 'GET', '/config/calls', { token: alice.token })).body).toEqual({ autoReject: true, message: 'No calls, please write' });
    expect((await call(t, 'GET', '/config/calls', { token: bob.token })).body).toEqual({ autoReject: false, message: null });

    const other = uniquePhone();
    await call(t, 'POST', '/sandbox/contacts', { token: alice.token, body: { phone: other } });
    const answered = sim().waitForSentMessage((m) => m.toPhoneNumber === other && m.text === 'No calls, please write');
    const firstRejected = sim().waitFor('call', (c) => c.from === other && c.status === 'rejected');
    const first = await ring(other);
    expect((await firstRejected).callId).toBe(first);
    await answered;
    const secondRejected = sim().waitFor('call', (c) => c.from === other && c.status === 'rejected');
    const second = await ring(other);
    expect((await secondRejected).callId).toBe(second);
    // The answer is decided when the rejection is reported: the second caller's was not sent.
    await nextEvent(t, 'session.call', (e) => e.payload.calls.some((c) => c.id === second && c.status === 'reject'));
    const texts = sim().sentMessages(session.phone).filter((m) => m.toPhoneNumber === other && m.text === 'No calls, please write');
    expect(texts).toHaveLength(1);
    expect((await call(t, 'POST', '/config/calls', { token: alice.token, body: { autoReject: false } })).body).toEqual({ autoReject: false, message: null });
  });

  it('bad input is a 4xx in the error shape; another tenant gets 404', async () => {
    expectErrorShape(await call(t, 'POST', '/calls/ABCDEF0123456789ABCDEF0123456789/reject', { token: alice.token, body: {} }), 404);
    expectErrorShape(await call(t, 'POST', '/calls/not-a-call/reject', { token: alice.token, body: {} }), 400);
    expectErrorShape(await call(t, 'POST', '/calls/%ED%A0%80/reject', { token: alice.token, body: {} }), 400);
    expectErrorShape(await call(t, 'POST', '/calls/ABCDEF0123456789ABCDEF0123456789/reject', { token: alice.token, body: { from: 'nope' } }), 400);
    expectErrorShape(await call(t, 'POST', '/config/calls', { token: alice.token, body: { autoReject: 'yes' } }), 400);
    expectErrorShape(await call(t, 'POST', '/config/calls', { token: alice.token, body: { autoReject: true, message: '' } }), 400);
    const offered = nextEvent(t, 'session.call', (e) => e.sessionId === session.id && e.payload.calls.some((c) => c.fromPhone === caller && c.status === 'offer'));
    const callId = await ring();
    expect((await offered).payload.calls[0]!.id).toBe(callId);
    expectErrorShape(await call(t, 'POST', `/calls/${callId}/reject?sessionId=${session.id}`, { token: bob.token, body: {} }), 404);
    expectErrorShape(await call(t, 'POST', `/calls/${callId}/reject`, { token: bob.token, body: {} }), 404);
    expect((await call(t, 'POST', `/calls/${callId}/reject`, { token: alice.token, body: {} })).status).toBe(200);
  });
});
