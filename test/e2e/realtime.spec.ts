/**
 * Realtime over Socket.io end to end: the app in sandbox mode (real Baileys against the in-process
 * WhatsApp simulator) on a random port, and socket.io-client sockets on namespace /sessions.
 */
import { JwtService } from '@nestjs/jwt';
import { call } from '../support/auth-helpers.js';
import { connectAuthenticated, connectSocket, type RecordingSocket } from '../support/realtime-harness.js';
import { newUser, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ENVELOPE_KEYS = ['eventId', 'occurredOn', 'payload', 'sessionId', 'type'];
const PRIMITIVE_KEYS = ['connectedAt', 'createdAt', 'disconnectedAt', 'disconnectedReason', 'id', 'phone', 'qr', 'qrExpiresAt', 'status', 'tenantId', 'updatedAt'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('realtime (Socket.io, namespace /sessions)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  /** Bob's socket, open for the whole file: another tenant's, it must never see Alice's data. */
  let bobSocket: RecordingSocket;
  const aliceSessionIds = new Set<string>();
  const opened: RecordingSocket[] = [];

  const track = (s: RecordingSocket): RecordingSocket => {
    opened.push(s);
    return s;
  };

  /** An access token of `user` that expires in `seconds`. */
  const shortToken = (user: TestUser, seconds: number): string =>
    new JwtService().sign({ sub: user.userId, tid: user.tenantId, role: 'user', typ: 'access' }, { secret: t.jwtSecret, algorithm: 'HS256', expiresIn: seconds });

  /** Creates a session over REST and scans its first QR (seen by `watcher`); resolves once connected. */
  async function onboard(user: TestUser, watcher: RecordingSocket, phone = uniquePhone()): Promise<{ id: string; phone: string }> {
    const res = await call(t, 'POST', '/sessions', { token: user.token });
    expect(res.status).toBe(201);
    const id: string = res.body.id;
    if (user === alice) aliceSessionIds.add(id);
    await watcher.next('session.qr.updated', (e) => e.sessionId === id);
    await sandboxScan(t, user.token, id, phone);
    await watcher.next('session.status.connected', (e) => e.sessionId === id);
    return { id, phone };
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    bob = await newUser(t);
    bobSocket = track(await connectAuthenticated(t, bob.token));
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await t?.close({ drop: true });
  });

  describe('authentication', () => {
    it('accepts handshake.auth.token: authenticated, then the snapshot (session: null for a tenant without sessions)', async () => {
      const user = await newUser(t);
      const s = track(connectSocket(t, { auth: { token: user.token } }));
      const ok = await s.next('authenticated');
      expect(ok).toEqual({ success: true, userId: user.userId, tenantId: user.tenantId, role: 'user', expiresAt: expect.stringMatching(ISO) });
      const snapshot = await s.next('session.snapshot');
      expect(snapshot).toEqual({ type: 'session.snapshot', sessionId: null, eventId: expect.stringMatching(UUID), occurredOn: expect.stringMatching(ISO), payload: { tenantId: user.tenantId, session: null } });
      expect(s.received.map((r) => r.event)).toEqual(['authenticated', 'session.snapshot']);
      expect(s.socket.connected).toBe(true);
    });

    it('accepts ?accessToken= (long-polling first, then the WebSocket upgrade)', async () => {
      const s = track(connectSocket(t, { query: { accessToken: alice.token }, transports: ['polling', 'websocket'] }));
      expect(await s.next('authenticated')).toMatchObject({ success: true, userId: alice.userId, tenantId: alice.tenantId });
      await s.next('session.snapshot');
    });

    it('accepts the seed 004 authenticate { token } event after connecting without credentials', async () => {
      const s = track(connectSocket(t));
      s.socket.emit('authenticate', { token: alice.token });
      expect(await s.next('authenticated')).toMatchObject({ success: true, userId: alice.userId });
      expect((await s.next('session.snapshot')).payload.tenantId).toBe(alice.tenantId);
    });

    it.each([
      ['a bad handshake.auth.token', { auth: { token: 'not-a-jwt' } }],
      ['a bad ?accessToken=', { query: { accessToken: 'not-a-jwt' } }],
      ['a bad Authorization header', { extraHeaders: { authorization: 'Bearer not-a-jwt' } }],
    ])('rejects %s: unauthorized { code, message }, then disconnected', async (_name, options) => {
      const s = track(connectSocket(t, options));
      expect(await s.next('unauthorized')).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid access token' });
      expect(await s.disconnected()).toBe('io server disconnect');
      expect(s.received.map((r) => r.event)).toEqual(['unauthorized']);
    });

    it('rejects an expired token, saying so', async () => {
      const expired = new JwtService().sign(
        { sub: alice.userId, tid: alice.tenantId, role: 'user', typ: 'access', exp: Math.floor(Date.now() / 1000) - 5 },
        { secret: t.jwtSecret, algorithm: 'HS256' },
      );
      const s = track(connectSocket(t, { auth: { token: expired } }));
      expect(await s.next('unauthorized')).toEqual({ code: 'UNAUTHORIZED', message: 'Access token expired' });
      expect(await s.disconnected()).toBe('io server disconnect');
    });

    it('answers a bad authenticate event with authenticated { success: false }, then disconnects', async () => {
      const s = track(connectSocket(t));
      s.socket.emit('authenticate', { token: 'not-a-jwt' });
      expect(await s.next('authenticated')).toEqual({ success: false, error: 'UNAUTHORIZED', message: 'Invalid access token' });
      expect(await s.next('unauthorized')).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid access token' });
      expect(await s.disconnected()).toBe('io server disconnect');
      expect(s.received.map((r) => r.event)).toEqual(['authenticated', 'unauthorized']);
    });

    it('refuses seed 004 requests before authentication', async () => {
      const s = track(connectSocket(t));
      s.socket.emit('subscribe-session', { instance_id: '4b1a9c08-6b70-4c1c-9d5b-2b7d8fd5b901' });
      expect(await s.next('connection-error')).toEqual({ error: 'UNAUTHORIZED', message: expect.any(String) });
    });
  });

  describe('access token expiry', () => {
    it('tells and disconnects a socket whose token expires, and keeps one that re-authenticated in time', async () => {
      const renewed = track(connectSocket(t, { auth: { token: shortToken(alice, 4) } }));
      const first = await renewed.next('authenticated');
      const lapsing = track(connectSocket(t, { auth: { token: shortToken(alice, 6) } }));
      await lapsing.next('authenticated');

      renewed.socket.emit('authenticate', { token: alice.token });
      const [, second] = await renewed.nextN('authenticated', 2);
      expect(second).toMatchObject({ success: true, userId: alice.userId });
      expect(new Date(second.expiresAt).getTime()).toBeGreaterThan(new Date(first.expiresAt).getTime());

      // The lapsing socket's token expires after the renewed socket's first one did.
      const told = await lapsing.next('token-expired');
      expect(told).toEqual({ code: 'TOKEN_EXPIRED', message: expect.any(String), expiredAt: expect.stringMatching(ISO) });
      expect(await lapsing.disconnected()).toBe('io server disconnect');
      expect(renewed.socket.connected).toBe(true);
      expect(renewed.all('token-expired')).toEqual([]);
    });

    it('refuses to re-authenticate a socket as another user, keeping its authentication', async () => {
      const s = track(await connectAuthenticated(t, alice.token));
      s.socket.emit('authenticate', { token: bob.token });
      expect(await s.next('authenticated', (a) => a.success === false)).toEqual({ success: false, error: 'FORBIDDEN', message: expect.any(String) });
      s.socket.emit('authenticate', { token: 'garbage' });
      expect(await s.next('authenticated', (a) => a.error === 'UNAUTHORIZED')).toMatchObject({ success: false });
      expect(s.socket.connected).toBe(true);
      expect(s.all('unauthorized')).toEqual([]);
    });
  });

  describe('seed 002 events of a tenant', () => {
    let aliceSocket: RecordingSocket;
    let session: { id: string; phone: string };

    beforeAll(async () => {
      aliceSocket = track(await connectAuthenticated(t, alice.token));
    });

    it('shows a whole onboarding as events, in order, in the seed 002 envelope', async () => {
      session = await onboard(alice, aliceSocket);
      const mine = aliceSocket.received.filter((r) => r.data?.sessionId === session.id);
      for (const { event, data } of mine) {
        expect(Object.keys(data).sort()).toEqual(ENVELOPE_KEYS);
        expect(data).toMatchObject({ type: event, eventId: expect.stringMatching(UUID), occurredOn: expect.stringMatching(ISO) });
        expect(data.payload.tenantId).toBe(alice.tenantId);
      }
      const order = mine.map((r) => r.event).filter((e, i, all) => e !== all[i - 1]);
      // Pairing ends with WhatsApp's routine 515 restart: one disconnected before the connected.
      expect(order).toEqual(['session.created', 'session.qr.updated', 'session.status.disconnected', 'session.status.connected']);
      const byType = Object.fromEntries(mine.map((r) => [r.event, r.data.payload]));
      expect(byType['session.created']).toEqual({ tenantId: alice.tenantId, id: session.id, status: 'init', createdAt: expect.stringMatching(ISO) });
      expect(byType['session.qr.updated']).toMatchObject({ tenantId: alice.tenantId, qr: expect.stringMatching(/^data:image\/png;base64,/), expiresAt: expect.stringMatching(ISO) });
      expect(byType['session.status.disconnected']).toEqual({ tenantId: alice.tenantId, reason: 'restart_required', disconnectedAt: expect.stringMatching(ISO) });
      expect(byType['session.status.connected']).toEqual({ tenantId: alice.tenantId, phone: session.phone, connectedAt: expect.stringMatching(ISO) });
    });

    it('sends a new socket one snapshot per session, with SessionPrimitives', async () => {
      const s = track(await connectAuthenticated(t, alice.token));
      const snapshots = s.all('session.snapshot');
      expect(snapshots.map((e) => e.sessionId)).toEqual([...aliceSessionIds]);
      const snapshot = snapshots.find((e) => e.sessionId === session.id);
      expect(Object.keys(snapshot.payload.session).sort()).toEqual(PRIMITIVE_KEYS);
      expect(snapshot.payload).toEqual({
        tenantId: alice.tenantId,
        session: expect.objectContaining({ id: session.id, tenantId: alice.tenantId, status: 'connected', phone: session.phone, qr: null, qrExpiresAt: null, connectedAt: expect.stringMatching(ISO) }),
      });
    });

    it('delivers an inbound text from a contact as session.messages.upsert', async () => {
      const contact = uniquePhone();
      const res = await call(t, 'POST', `/sandbox/contacts/${contact}/messages`, { token: alice.token, body: { to: session.phone, text: 'hola socket', pushName: 'Bob' } });
      expect(res.status).toBe(200);
      const upsert = await aliceSocket.next('session.messages.upsert', (e) => e.payload.messages.some((m: { id: string }) => m.id === res.body.messageId));
      expect(upsert).toMatchObject({ type: 'session.messages.upsert', sessionId: session.id, payload: { tenantId: alice.tenantId, upsertType: 'notify', messagesCount: 1 } });
      expect(upsert.payload.messages[0]).toMatchObject({ id: res.body.messageId, remoteJid: `${contact}@s.whatsapp.net`, fromMe: false, text: 'hola socket', timestamp: expect.any(Number) });
    });

    it('delivers delivery and read receipts as session.messages.update', async () => {
      const contact = uniquePhone();
      const res = await call(t, 'POST', `/sessions/${session.id}/messages`, { token: alice.token, body: { to: contact, text: 'leeme' } });
      expect(res.status).toBe(201);
      const read = await aliceSocket.next('session.messages.update', (e) => e.payload.updates.some((u: { messageId: string; status: string }) => u.messageId === res.body.id && u.status === 'read'));
      expect(read).toMatchObject({ type: 'session.messages.update', sessionId: session.id, payload: { tenantId: alice.tenantId, updatesCount: 1, source: 'receipt' } });
      expect(read.payload.updates[0]).toMatchObject({ messageId: res.body.id, status: 'read', statusAt: expect.any(Number) });
      const statuses = aliceSocket.all('session.messages.update').flatMap((e) => e.payload.updates).filter((u) => u.messageId === res.body.id).map((u) => u.status);
      expect(statuses).toContain('delivered');
    });
    it('never lets a stuck client delay another socket or the session', async () => {
      const stuck = track(await connectAuthenticated(t, alice.token));
      // Stop reading the stuck client's TCP socket: its events pile up on the server only.
      const tcp = (stuck.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
      tcp.pause();
      const contact = uniquePhone();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await call(t, 'POST', `/sandbox/contacts/${contact}/messages`, { token: alice.token, body: { to: session.phone, text: `stuck ${i}` } });
        ids.push(res.body.messageId);
        await aliceSocket.next('session.messages.upsert', (e) => e.payload.messages.some((m: { id: string }) => m.id === res.body.messageId));
      }
      expect(stuck.all('session.messages.upsert').filter((e) => ids.includes(e.payload.messages[0].id))).toEqual([]);
      tcp.resume();
      const late = await stuck.nextN('session.messages.upsert', 5, (e) => ids.includes(e.payload.messages[0].id));
      expect(late.map((e) => e.payload.messages[0].id)).toEqual(ids);
    });
  });

  describe('seed 004 per-session events', () => {
    let watcher: RecordingSocket;
    let subscriber: RecordingSocket;

    beforeAll(async () => {
      watcher = track(await connectAuthenticated(t, alice.token));
      subscriber = track(await connectAuthenticated(t, alice.token));
    });

    it('streams status, QR, the connection and error closes to a subscriber, and answers request-qr', async () => {
      const res = await call(t, 'POST', '/sessions', { token: alice.token });
      const id: string = res.body.id;
      aliceSessionIds.add(id);
      subscriber.socket.emit('subscribe-session', { instance_id: id });
      const current = await subscriber.next('session-status', (s) => s.instance_id === id);
      expect(current).toEqual({ instance_id: id, status: expect.stringMatching(/^(init|qr_required)$/), phoneNumber: null, connectedAt: null, reason: null, updatedAt: expect.stringMatching(ISO) });
      const qr = await subscriber.next('qr-code', (q) => q.instance_id === id);
      expect(qr).toEqual({ instance_id: id, qr: expect.stringMatching(/^data:image\/png;base64,/), expiresAt: expect.stringMatching(ISO) });

      subscriber.socket.emit('request-qr', { instance_id: id });
      const [, again] = await subscriber.nextN('qr-code', 2, (q) => q.instance_id === id);
      expect(again).toEqual(qr);

      const phone = uniquePhone();
      await sandboxScan(t, alice.token, id, phone);
      const connected = await subscriber.next('session-status', (s) => s.instance_id === id && s.status === 'connected');
      expect(connected).toEqual({ instance_id: id, status: 'connected', phoneNumber: phone, connectedAt: expect.stringMatching(ISO), reason: null, updatedAt: expect.stringMatching(ISO) });
      // The routine 515 restart after pairing is not an error.
      expect(subscriber.all('connection-error')).toEqual([]);
      const statuses = subscriber.all('session-status').filter((s) => s.instance_id === id).map((s) => s.status);
      expect(statuses.slice(-4)).toEqual(['connecting', 'disconnected', 'connecting', 'connected']);

      // Connected: request-qr answers the status (no QR needed).
      const isConnected = (s: { instance_id: string; status: string }): boolean => s.instance_id === id && s.status === 'connected';
      subscriber.socket.emit('request-qr', { instance_id: id });
      await subscriber.nextN('session-status', 2, isConnected);

      // Another client takes over the connection (440): an error the session recovers from.
      await call(t, 'POST', `/sandbox/sessions/${id}/replace`, { token: alice.token });
      const replaced = await subscriber.next('connection-error', (e) => e.instance_id === id);
      expect(replaced).toEqual({ instance_id: id, error: 'CONNECTION_REPLACED', message: expect.any(String), statusCode: 440, willReconnect: true, status: 'disconnected' });

      // The phone unlinks the device (401): logged out for good.
      await subscriber.nextN('session-status', 3, isConnected);
      await call(t, 'POST', `/sandbox/sessions/${id}/remove-device`, { token: alice.token });
      const loggedOut = await subscriber.next('connection-error', (e) => e.instance_id === id && e.error === 'LOGGED_OUT');
      expect(loggedOut).toMatchObject({ statusCode: 401, willReconnect: false, status: 'logged_out' });
      subscriber.socket.emit('request-qr', { instance_id: id });
      expect(await subscriber.next('connection-error', (e) => e.error === 'QR_NOT_AVAILABLE')).toMatchObject({ instance_id: id, status: 'logged_out' });

      // Deleted: subscribers are told and leave the session's channel.
      expect((await call(t, 'DELETE', `/sessions/${id}`, { token: alice.token })).status).toBe(200);
      expect(await subscriber.next('connection-error', (e) => e.error === 'SESSION_DELETED')).toMatchObject({ instance_id: id });
      aliceSessionIds.delete(id);

      // Only subscribers get seed 004 events; every tenant socket got the seed 002 ones.
      expect(watcher.received.filter((r) => ['session-status', 'qr-code', 'connection-error', 'qr-expired'].includes(r.event))).toEqual([]);
      expect(watcher.all('session.status.connected').some((e) => e.sessionId === id)).toBe(true);
    });

    it('answers an unknown or foreign instance_id with connection-error, and a malformed request with BAD_REQUEST', async () => {
      subscriber.socket.emit('subscribe-session', { instance_id: 'acme-01' });
      expect(await subscriber.next('connection-error', (e) => e.instance_id === 'acme-01')).toEqual({ instance_id: 'acme-01', error: 'SESSION_NOT_FOUND', message: expect.any(String) });
      subscriber.socket.emit('request-qr', {});
      expect(await subscriber.next('connection-error', (e) => e.error === 'BAD_REQUEST')).toEqual({ error: 'BAD_REQUEST', message: expect.any(String) });
    });
  });

  describe('tenant isolation', () => {
    it("never gives another tenant's socket anything of Alice's, even when it asks", async () => {
      const [aliceSession] = [...aliceSessionIds];
      expect(aliceSession).toBeDefined();
      bobSocket.socket.emit('subscribe-session', { instance_id: aliceSession });
      bobSocket.socket.emit('request-qr', { instance_id: aliceSession });
      const refusals = await bobSocket.nextN('connection-error', 2);
      expect(refusals).toEqual([
        { instance_id: aliceSession, error: 'SESSION_NOT_FOUND', message: expect.any(String) },
        { instance_id: aliceSession, error: 'SESSION_NOT_FOUND', message: expect.any(String) },
      ]);
      // Something of Alice's happens after Bob asked: still nothing for Bob.
      const contact = uniquePhone();
      const watcher = track(await connectAuthenticated(t, alice.token));
      const phone = watcher.all('session.snapshot').find((e) => e.sessionId === aliceSession).payload.session.phone;
      const res = await call(t, 'POST', `/sandbox/contacts/${contact}/messages`, { token: alice.token, body: { to: phone, text: 'solo para alice' } });
      await watcher.next('session.messages.upsert', (e) => e.payload.messages.some((m: { id: string }) => m.id === res.body.messageId));

      // Everything Bob's socket ever received, from the first test to now.
      expect(bobSocket.received.map((r) => r.event)).toEqual(['authenticated', 'session.snapshot', 'connection-error', 'connection-error']);
      expect(bobSocket.all('session.snapshot')).toEqual([expect.objectContaining({ sessionId: null, payload: { tenantId: bob.tenantId, session: null } })]);
      const leaked = JSON.stringify(bobSocket.received.filter((r) => r.event !== 'connection-error'));
      expect(leaked).not.toContain(alice.tenantId);
      for (const id of aliceSessionIds) expect(leaked).not.toContain(id);
      expect(bobSocket.socket.connected).toBe(true);
    });
  });
});
