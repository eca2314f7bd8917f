/**
 * Caps on open realtime connections (issue 30 item 5): per user, per client IP and in all, over
 * Socket.io (both transports), the plain WebSocket /ws/sessions and the SSE onboarding stream.
 * Then one token floods the app from 127.0.0.1 far past the caps: every extra connection is
 * refused with the documented answer, /health keeps answering, another tenant's sandbox session
 * stays connected, and once the flood's sockets are gone (some by TCP reset) every slot is free.
 */
import type { Socket as NetSocket } from 'node:net';
import WebSocket from 'ws';
import { ConnectionLimits } from '../../src/limits/connection-limits.js';
import { DomainEvents } from '../../src/events/domain-events.js';
import { call, type Json } from '../support/auth-helpers.js';
import { connectAuthenticated, connectSocket, type RecordingSocket } from '../support/realtime-harness.js';
import { newUser, onboardInSandbox, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PER_USER = 6;
const PER_IP = 20;

type WsOutcome = { open: true; ws: WebSocket } | { open: false; status: number; body: Json };

describe('realtime connection caps', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let bobSessionId: string;
  let bobSocket: RecordingSocket;
  const aliceWs: WebSocket[] = [];
  const aliceSockets: RecordingSocket[] = [];
  const anonymous: RecordingSocket[] = [];
  let aliceSse: AbortController;
  const cleanup: Array<() => void> = [];

  const limits = (): ConnectionLimits => t.app.get(ConnectionLimits);
  const wsUrl = (token: string): string => `${t.baseUrl.replace(/^http/, 'ws')}/ws/sessions?accessToken=${encodeURIComponent(token)}`;

  /** Opens /ws/sessions; resolves when it is open or refused (with the refusal's status and body). */
  function openWs(token: string): Promise<WsOutcome> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl(token));
      cleanup.push(() => ws.terminate());
      ws.once('open', () => resolve({ open: true, ws }));
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += String(chunk)));
        res.on('end', () => resolve({ open: false, status: res.statusCode ?? 0, body: JSON.parse(text) }));
        res.on('error', reject);
      });
      ws.once('error', (err) => reject(err));
    });
  }

  /** GET /sessions/add-sse: the refusal's status and body, or an open stream (aborted by the caller). */
  async function openSse(token: string): Promise<{ status: number; body?: Json; abort: AbortController }> {
    const abort = new AbortController();
    cleanup.push(() => abort.abort());
    const res = await fetch(`${t.baseUrl}/sessions/add-sse`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    if (res.status === 200) return { status: 200, abort };
    return { status: res.status, body: await res.json(), abort };
  }

  const track = (s: RecordingSocket, list: RecordingSocket[] = []): RecordingSocket => {
    list.push(s);
    cleanup.push(() => s.close());
    return s;
  };

  /** Waits (without sleeping a fixed time) until `probe` holds. */
  async function eventually(probe: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(limits().counts())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const sessionCount = async (user: TestUser): Promise<number> => (await call(t, 'GET', '/sessions', { token: user.token })).body.data.length;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        WA_SANDBOX: 'true',
        REALTIME_MAX_CONNECTIONS_PER_USER: String(PER_USER),
        REALTIME_MAX_CONNECTIONS_PER_IP: String(PER_IP),
        REALTIME_MAX_CONNECTIONS: '1000',
        // Anonymous sockets hold their slot until they authenticate or this runs out.
        REALTIME_AUTH_TIMEOUT_MS: '120000',
      },
    });
    [alice, bob, carol] = [await newUser(t), await newUser(t), await newUser(t)];
    const { sessionId, recorder } = await onboardInSandbox(t, bob.token);
    await recorder.ended();
    bobSessionId = sessionId;
    bobSocket = track(await connectAuthenticated(t, bob.token));
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanup) c();
    await t?.close({ drop: true });
  });

  it('caps one user over every transport: 429 on /ws/sessions and SSE, unauthorized TOO_MANY_CONNECTIONS on Socket.io', async () => {
    const sessionsBefore = await sessionCount(alice);
    for (let i = 0; i < 3; i++) {
      const outcome = await openWs(alice.token);
      if (!outcome.open) throw new Error(`ws ${i} refused: ${JSON.stringify(outcome)}`);
      aliceWs.push(outcome.ws);
    }
    track(await connectAuthenticated(t, alice.token, { transports: ['websocket'] }), aliceSockets);
    track(await connectAuthenticated(t, alice.token, { transports: ['polling'] }), aliceSockets);
    const sse = await openSse(alice.token);
    expect(sse.status).toBe(200);
    aliceSse = sse.abort;
    expect(limits().counts()).toMatchObject({ total: PER_USER + 1 });

    const ws = await openWs(alice.token);
    expect(ws).toMatchObject({ open: false, status: 429, body: { success: false, error: { code: 'TOO_MANY_CONNECTIONS', details: { scope: 'user', limit: PER_USER } } } });

    const sio = track(connectSocket(t, { auth: { token: alice.token } }));
    expect(await sio.next('unauthorized')).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', message: expect.stringContaining(`at most ${PER_USER}`) });
    expect(await sio.disconnected()).toBe('io server disconnect');
    expect(sio.all('authenticated')).toEqual([]);

    const refusedSse = await openSse(alice.token);
    expect(refusedSse.status).toBe(429);
    expect(refusedSse.body).toMatchObject({ success: false, error: { code: 'TOO_MANY_CONNECTIONS', details: { scope: 'user' } } });
    expect(await sessionCount(alice)).toBe(sessionsBefore + 1);

    // One closed, one more admitted: the slot comes back.
    aliceWs.pop()!.close();
    await eventually(() => limits().counts().total === PER_USER, 'the closed socket to be released');
    const again = await openWs(alice.token);
    expect(again.open).toBe(true);
    if (again.open) aliceWs.push(again.ws);
  });

  it('caps one client IP over every transport: connect_error TOO_MANY_CONNECTIONS on Socket.io, 429 elsewhere', async () => {
    // 6 of alice and 1 of bob are open; anonymous sockets (no token yet) fill the IP's cap.
    const open = limits().counts().total;
    for (let i = open; i < PER_IP; i++) {
      const s = track(connectSocket(t), anonymous);
      await new Promise<void>((resolve, reject) => {
        s.socket.once('connect', () => resolve());
        s.socket.once('connect_error', reject);
      });
    }
    expect(limits().counts().total).toBe(PER_IP);

    const ws = await openWs(carol.token);
    expect(ws).toMatchObject({ open: false, status: 429, body: { error: { code: 'TOO_MANY_CONNECTIONS', details: { scope: 'ip', limit: PER_IP } } } });
    const sse = await openSse(carol.token);
    expect(sse).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_CONNECTIONS', details: { scope: 'ip' } } } });
    for (const transports of [['websocket'], ['polling']] as const) {
      const sio = track(connectSocket(t, { auth: { token: carol.token }, transports: [...transports] }));
      await sio.waitFor(() => sio.connectError, 'connect_error', 10_000);
      expect(sio.connectError?.message).toContain(`at most ${PER_IP}`);
      expect((sio.connectError as Error & { data?: Json }).data).toEqual({ code: 'TOO_MANY_CONNECTIONS', scope: 'ip', limit: PER_IP });
    }
    expect(await sessionCount(carol)).toBe(0);
  });

  it('stays healthy under a flood from one token: every extra connection refused, /health prompt, other tenants connected', async () => {
    const statusChanges: Json[] = [];
    const off = t.app.get(DomainEvents).onCommit('session.status.changed', (e) => {
      if (e.sessionId === bobSessionId) statusChanges.push(e.payload);
    });
    let flooding = true;
    const healthTimes: number[] = [];
    const health = (async () => {
      while (flooding) {
        const started = performance.now();
        const res = await fetch(`${t.baseUrl}/health`);
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        healthTimes.push(performance.now() - started);
      }
    })();

    const deadline = Date.now() + 60_000;
    const outcomes = { ws: new Map<string, number>(), sio: new Map<string, number>(), polling: new Map<string, number>() };
    const count = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
    const BATCHES = 15;
    const BATCH = 100;
    for (let b = 0; b < BATCHES && Date.now() < deadline; b++) {
      await Promise.all(Array.from({ length: BATCH }, async (_, i) => {
        if (i % 3 === 0) {
          const o = await openWs(alice.token);
          count(outcomes.ws, o.open ? 'open' : `${o.status} ${o.body?.error?.code}`);
        } else if (i % 3 === 1) {
          const s = track(connectSocket(t, { auth: { token: alice.token } }));
          await s.waitFor(() => s.connectError ?? s.disconnectReason ?? (s.all('authenticated').length ? 'admitted' : undefined), 'an answer', 20_000);
          const data = (s.connectError as (Error & { data?: Json }) | undefined)?.data;
          count(outcomes.sio, s.all('authenticated').length ? 'open' : data?.code ?? `transport: ${s.connectError?.message}`);
          s.close();
        } else {
          const res = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`);
          const text = await res.text();
          count(outcomes.polling, res.status === 429 ? `429 ${JSON.parse(text).error.code}` : String(res.status));
        }
      }));
    }
    flooding = false;
    await health;
    off();

    // Nothing of the flood got in, and every refusal said why.
    expect([...outcomes.ws.keys()]).toEqual(['429 TOO_MANY_CONNECTIONS']);
    expect(outcomes.sio.get('open')).toBeUndefined();
    // A handshake past the few readable refusals in flight is a bare 429 (socket.io-client: a transport error).
    for (const key of outcomes.sio.keys()) expect(['TOO_MANY_CONNECTIONS', 'transport: websocket error']).toContain(key);
    expect(outcomes.sio.get('TOO_MANY_CONNECTIONS')).toBeGreaterThan(0);
    for (const key of outcomes.polling.keys()) expect(['200', '429 TOO_MANY_CONNECTIONS']).toContain(key);
    expect(outcomes.polling.get('429 TOO_MANY_CONNECTIONS')).toBeGreaterThan(0);
    expect(limits().counts().total).toBe(PER_IP);

    // /health answered all along, promptly.
    expect(healthTimes.length).toBeGreaterThan(5);
    expect(Math.max(...healthTimes)).toBeLessThan(2_000);
    // The other tenant's session and socket never noticed.
    expect(statusChanges).toEqual([]);
    expect((await call(t, 'GET', `/sessions/${bobSessionId}`, { token: bob.token })).body.data.status).toBe('connected');
    expect(bobSocket.disconnectReason).toBeUndefined();
  }, 120_000);

  it('gives every slot back however the connections end, TCP resets included, and admits again', async () => {
    // Abrupt ends: TCP resets of WebSockets (plain and Socket.io), then clean closes and an aborted SSE stream.
    for (const ws of aliceWs.splice(0, 2)) (ws as unknown as { _socket: NetSocket })._socket.resetAndDestroy();
    for (const s of anonymous.splice(0, 5)) {
      const transport = (s.socket.io.engine as unknown as { transport: { ws?: { _socket: NetSocket } } }).transport;
      transport.ws!._socket.resetAndDestroy();
    }
    for (const ws of aliceWs.splice(0)) ws.close();
    for (const s of [...anonymous.splice(0), ...aliceSockets.splice(0), bobSocket]) s.close();
    aliceSse.abort();
    await eventually(() => {
      const c = limits().counts();
      return c.total === 0 && c.ips === 0 && c.users === 0;
    }, 'every slot to be released');

    const ws = await openWs(carol.token);
    expect(ws.open).toBe(true);
    const s = track(await connectAuthenticated(t, carol.token));
    expect(s.all('authenticated')[0]).toMatchObject({ success: true, userId: carol.userId });
    for (let i = 0; i < PER_USER - 1; i++) expect((await openWs(alice.token)).open).toBe(true);
  });
});
