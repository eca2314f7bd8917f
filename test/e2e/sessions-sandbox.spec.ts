/**
 * Sessions end to end in sandbox mode: the app on a random port, real Baileys, the in-process
 * WhatsApp Web simulator, and real HTTP and SSE clients.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape, logIn, TestDb } from '../support/auth-helpers.js';
import { awaitStatus, newUser, nextEvent, openEventSource, openSseWithHeaders, sandboxScan, statusEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('sessions in sandbox mode', () => {
  let t: TestApp;
  let db: TestDb;
  let alice: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', SSE_RESUME_GRACE_MS: '300', AUTH_TRUST_USER_ID_HEADER: 'true', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'admin-password-1' } });
    db = await TestDb.connect(t);
    alice = await newUser(t);
  });
  afterAll(async () => {
    await db?.close();
    await t?.close({ drop: true });
  });

  const sim = () => t.app.get(SandboxService).simulator;

  /** Onboards a session over SSE and returns its id and phone once connected. */
  async function onboard(user: TestUser, phone = uniquePhone()): Promise<{ id: string; phone: string }> {
    const { recorder } = openSseWithHeaders(t, { authorization: `Bearer ${user.token}` });
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    await recorder.next((m) => m.qr);
    await sandboxScan(t, user.token, sessionId, phone);
    await recorder.next((m) => m.connection === 'open');
    await recorder.ended();
    return { id: sessionId, phone };
  }

  it('streams seed 000 onboarding in order with fetch-event-source (bearer header), through the 515 restart', async () => {
    const phone = uniquePhone();
    const { recorder, status } = openSseWithHeaders(t, { authorization: `Bearer ${alice.token}` });
    expect(await status).toBe(200);
    const first = await recorder.next(() => true);
    expect(Object.keys(first)).toEqual(['sessionId']);
    const sessionId: string = first.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const qr = await recorder.next((m) => m.qr);
    expect(Object.keys(qr)).toEqual(['connection', 'qr', 'sessionId']);
    expect(qr).toMatchObject({ connection: 'connecting', sessionId });
    expect(qr.qr).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);

    await sandboxScan(t, alice.token, sessionId, phone);
    const open = await recorder.next((m) => m.connection === 'open');
    await recorder.ended();
    expect(open).toEqual({ connection: 'open', sessionId, phoneNumber: phone, deviceName: null, accountType: 'personal' });

    const afterQr = recorder.messages.slice(recorder.messages.indexOf(qr) + 1).filter((m) => !m.qr);
    expect(afterQr).toEqual([
      { connection: 'connecting', sessionId },
      {
        connection: 'close',
        lastDisconnect: { error: { message: expect.any(String), output: { statusCode: 515 } }, date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        sessionId,
      },
      { connection: 'connecting', sessionId },
      open,
    ]);

    const res = await call(t, 'GET', `/sessions/${sessionId}`, { token: alice.token });
    expect(res.body).toMatchObject({ success: true, data: { id: sessionId, status: 'connected', phone, accountType: 'personal', qr: null } });
  });

  it('streams to a standard EventSource authenticated by ?userId= in trusted mode, for a business account', async () => {
    const phone = uniquePhone();
    const { recorder } = openEventSource(t, `?userId=${alice.userId}`);
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    await recorder.next((m) => m.qr);
    await sandboxScan(t, alice.token, sessionId, phone, { accountType: 'business', name: 'Acme Store' });
    const open = await recorder.next((m) => m.connection === 'open');
    expect(open).toEqual({ connection: 'open', sessionId, phoneNumber: phone, deviceName: 'Acme Store', accountType: 'business' });
  });

  it('accepts ?accessToken= and a service key with x-user-id, opening the session in that user\'s tenant', async () => {
    const byQuery = openSseWithHeaders(t, {}, `?accessToken=${alice.token}`).recorder;
    const first = await byQuery.next((m) => m.sessionId && !m.connection);
    await byQuery.next((m) => m.qr);
    const admin = await logIn(t, 'admin@example.com', 'admin-password-1');
    const key = (await call(t, 'POST', '/api-keys', { token: admin.accessToken, body: { name: 'main-backend' } })).body.key as string;
    const byKey = openSseWithHeaders(t, { 'x-api-key': key, 'x-user-id': alice.userId }).recorder;
    const second = await byKey.next((m) => m.sessionId && !m.connection);
    await byKey.next((m) => m.qr);
    for (const { sessionId } of [first, second]) {
      const res = await call(t, 'GET', `/sessions/${sessionId}`, { token: alice.token });
      expect(res.body.data).toMatchObject({ tenantId: alice.tenantId, status: 'qr_required' });
      await call(t, 'DELETE', `/sessions/${sessionId}`, { token: alice.token });
    }
    await Promise.all([byQuery.ended(), byKey.ended()]);
  });

  it('answers CORS and sets the SSE headers', async () => {
    const preflight = await fetch(`${t.baseUrl}/sessions/add-sse`, {
      method: 'OPTIONS',
      headers: { origin: 'http://spa.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-user-id' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-user-id');
    const controller = new AbortController();
    const sessionDeleted = nextEvent(t, 'session.deleted');
    const res = await fetch(`${t.baseUrl}/sessions/add-sse`, { headers: { 'x-user-id': alice.userId, origin: 'http://spa.example' }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://spa.example');
    controller.abort();
    await sessionDeleted;
  });

  it('rejects an unauthenticated SSE request in the error shape', async () => {
    const res = await call(t, 'GET', '/sessions/add-sse');
    expectErrorShape(res, 401, 'UNAUTHORIZED');
    const bad = await call(t, 'GET', '/sessions/add-sse?accessToken=not-a-jwt');
    expectErrorShape(bad, 401, 'UNAUTHORIZED');
  });

  it('cancels the pending session when the client leaves before the scan, leaving nothing behind', async () => {
    const { recorder, abort } = openSseWithHeaders(t, { authorization: `Bearer ${alice.token}` });
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    await recorder.next((m) => m.qr);
    const deleted = nextEvent(t, 'session.deleted', (e) => e.sessionId === sessionId);
    abort();
    await deleted;
    expect(await db.query('SELECT id FROM wa_sessions WHERE id = $1', [sessionId])).toEqual([]);
    expect(await db.query('SELECT session_id FROM wa_auth_creds WHERE session_id = $1', [sessionId])).toEqual([]);
    expect(await db.query('SELECT session_id FROM wa_auth_keys WHERE session_id = $1', [sessionId])).toEqual([]);
    expectErrorShape(await call(t, 'GET', `/sessions/${sessionId}`, { token: alice.token }), 404, 'NOT_FOUND');
  });

  it('GET /generate-qr answers with a new session and its first QR, also readable at GET /sessions/:id/qr', async () => {
    const res = await call(t, 'GET', '/generate-qr', { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, sessionId: expect.any(String), qr: expect.stringMatching(/^data:image\/png;base64,/), qrText: expect.any(String), message: expect.any(String) });
    const qr = await call(t, 'GET', `/sessions/${res.body.sessionId}/qr`, { token: alice.token });
    expect(qr.body).toMatchObject({ success: true, sessionId: res.body.sessionId, status: 'qr_required', qrText: res.body.qrText, qr: res.body.qr });
    expect(new Date(qr.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    await call(t, 'DELETE', `/sessions/${res.body.sessionId}`, { token: alice.token });
  });

  it('POST /sessions starts a session whose QR arrives as an event', async () => {
    const created = nextEvent(t, 'session.created');
    const res = await call(t, 'POST', '/sessions', { token: alice.token });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), status: 'init', createdAt: expect.any(String) });
    expect((await created).payload).toMatchObject({ tenantId: alice.tenantId, id: res.body.id, status: 'init' });
    await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === res.body.id);
    await call(t, 'DELETE', `/sessions/${res.body.id}`, { token: alice.token });
  });

  describe('a connected session', () => {
    let session: { id: string; phone: string };
    beforeAll(async () => {
      session = await onboard(alice);
    });

    it('sends a text that the simulated contact decrypts, then reports its receipts up to read', async () => {
      const contact = uniquePhone();
      const statuses: string[] = [];
      const read = nextEvent(t, 'session.messages.update', (e) => {
        const mine = e.payload.updates.filter((u) => u.messageId === sentId);
        statuses.push(...mine.map((u) => u.status));
        return mine.some((u) => u.status === 'read');
      });
      let sentId = '';
      const res = await call(t, 'POST', `/sessions/${session.id}/send-message`, { token: alice.token, body: { number: `+${contact}`, message: 'Hola desde WhatsApp!' } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, data: { messageId: expect.any(String), to: `${contact}@s.whatsapp.net`, timestamp: expect.any(Number) } });
      sentId = res.body.data.messageId;
      const seen = await sim().waitForSentMessage((m) => m.id === sentId && m.decryptedBy.includes('contact'));
      expect(seen).toMatchObject({ from: session.phone, toPhoneNumber: contact, text: 'Hola desde WhatsApp!' });
      await read;
      // Baileys may fold a delivery receipt into the read one; whatever arrives never goes backwards.
      expect(statuses.at(-1)).toBe('read');
      expect(statuses.filter((s) => s !== 'delivered' && s !== 'read')).toEqual([]);
      const [row] = await db.query('SELECT text, from_me, status FROM wa_messages WHERE session_id = $1 AND wa_id = $2', [session.id, sentId]);
      expect(row).toMatchObject({ text: 'Hola desde WhatsApp!', from_me: true, status: 'read' });
    });

    it('sends with the seed 002 shape too', async () => {
      const contact = uniquePhone();
      const res = await call(t, 'POST', `/sessions/${session.id}/messages`, { token: alice.token, body: { to: contact, text: 'segundo' } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), remoteJid: `${contact}@s.whatsapp.net`, status: 'sent', timestamp: expect.any(Number) });
      await sim().waitForSentMessage((m) => m.id === res.body.id && m.text === 'segundo');
    });

    it('receives a text from a contact, by phone number and by LID, recorded once', async () => {
      const contact = uniquePhone();
      for (const addressing of ['pn', 'lid'] as const) {
        const received = nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.text === `hola ${addressing}`);
        const res = await call(t, 'POST', `/sandbox/contacts/${contact}/messages`, { token: alice.token, body: { to: session.phone, text: `hola ${addressing}`, pushName: 'Bob', addressing } });
        expect(res.status).toBe(200);
        const event = await received;
        expect(event.payload).toMatchObject({ messageId: res.body.messageId, senderPhone: contact, senderName: 'Bob', sessionPhone: session.phone, messageType: 'text' });
      }
      const rows = await db.query('SELECT count(*)::int AS n FROM wa_messages WHERE session_id = $1 AND from_me = false', [session.id]);
      expect(rows[0].n).toBe(2);
    });

    it('rejects bad send input in the error shape and writes nothing', async () => {
      const before = await db.count('wa_messages');
      for (const body of [{ number: 'abc', message: 'x' }, { number: '5491100000000' }, { number: '5491100000000', message: '' }, { number: 5491100000000, message: 'x' }, { number: '5491100000000', message: 'x', extra: 1 }, { number: '5491100000000', message: 'x'.repeat(70_000) }]) {
        expectErrorShape(await call(t, 'POST', `/sessions/${session.id}/send-message`, { token: alice.token, body }), 400, 'VALIDATION_ERROR');
      }
      expectErrorShape(await call(t, 'POST', `/sessions/${session.id}/send-message`, { token: alice.token, rawBody: '{"number":' }), 400);
      expectErrorShape(await call(t, 'POST', '/sessions/not-a-uuid/send-message', { token: alice.token, body: { number: '5491100000000', message: 'x' } }), 400);
      expect(await db.count('wa_messages')).toBe(before);
    });

    it('keeps another tenant out of every session route', async () => {
      const mallory = await newUser(t);
      const id = session.id;
      const routes: Array<[string, string, unknown?]> = [
        ['GET', `/sessions/${id}`], ['GET', `/sessions/${id}/qr`], ['POST', `/sessions/${id}/send-message`, { number: '5491100000000', message: 'x' }],
        ['POST', `/sessions/${id}/messages`, { to: '5491100000000', text: 'x' }], ['POST', `/sessions/${id}/restart`], ['POST', `/sessions/${id}/stop`],
        ['POST', `/sessions/${id}/logout`], ['DELETE', `/sessions/${id}`], ['POST', `/sandbox/sessions/${id}/scan`, { phoneNumber: '5491100000000' }],
        ['POST', `/sandbox/sessions/${id}/remove-device`], ['POST', `/sandbox/sessions/${id}/replace`],
        ['POST', `/sandbox/contacts/5491100000001/messages`, { to: session.phone, text: 'x' }],
      ];
      for (const [method, path, body] of routes) expectErrorShape(await call(t, method, path, { token: mallory.token, body }), 404, 'NOT_FOUND');
      const list = await call(t, 'GET', '/sessions', { token: mallory.token });
      expect(list.body).toEqual({ success: true, data: [] });
      const mine = await call(t, 'GET', `/sessions/${id}`, { token: alice.token });
      expect(mine.body.data.status).toBe('connected');
    });

    it('reconnects by itself when the connection is replaced (440)', async () => {
      const closed = statusEvent(t, session.id, 'disconnected');
      const back = nextEvent(t, 'session.status.changed', (e) => e.sessionId === session.id && e.payload.status === 'connected');
      const res = await call(t, 'POST', `/sandbox/sessions/${session.id}/replace`, { token: alice.token });
      expect(res.body).toEqual({ success: true, affectedConnections: 1 });
      expect((await closed).payload).toMatchObject({ statusCode: 440, reason: 'connection_replaced', willReconnect: true });
      expect((await back).payload.newlyPaired).toBe(false);
    });

    it('stops (keeping credentials) and restarts without a scan', async () => {
      const stopped = await call(t, 'POST', `/sessions/${session.id}/stop`, { token: alice.token });
      expect(stopped.body.data).toMatchObject({ status: 'disconnected', disconnectedReason: 'stopped' });
      expectErrorShape(await call(t, 'POST', `/sessions/${session.id}/send-message`, { token: alice.token, body: { number: '5491100000000', message: 'x' } }), 409, 'SESSION_NOT_CONNECTED');
      const desired = async (): Promise<unknown> => (await db.query('SELECT desired_state FROM wa_sessions WHERE id = $1', [session.id]))[0].desired_state;
      expect(await desired()).toBe('stopped');
      const connected = statusEvent(t, session.id, 'connected');
      await call(t, 'POST', `/sessions/${session.id}/restart`, { token: alice.token });
      await connected;
      expect(await desired()).toBe('running');
      // A restart of the running socket keeps it wanted (written with its move to connecting).
      const again = statusEvent(t, session.id, 'connected');
      await call(t, 'POST', `/sessions/${session.id}/restart`, { token: alice.token });
      await again;
      expect(await desired()).toBe('running');
    });
  });

  it('ends as logged_out and wipes the session data when the phone removes the device', async () => {
    const session = await onboard(alice);
    await call(t, 'POST', `/sandbox/contacts/${uniquePhone()}/messages`, { token: alice.token, body: { to: session.phone, text: 'to be wiped' } });
    await nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id).catch(() => undefined);
    const loggedOut = statusEvent(t, session.id, 'logged_out');
    await call(t, 'POST', `/sandbox/sessions/${session.id}/remove-device`, { token: alice.token });
    expect((await loggedOut).payload).toMatchObject({ statusCode: 401, reason: 'logged_out', willReconnect: false });
    for (const table of ['wa_auth_creds', 'wa_auth_keys', 'wa_messages']) {
      expect(await db.query(`SELECT 1 FROM ${table} WHERE session_id = $1`, [session.id])).toEqual([]);
    }
    const res = await call(t, 'GET', `/sessions/${session.id}`, { token: alice.token });
    expect(res.body.data).toMatchObject({ status: 'logged_out' });
  });

  it('logs out through the API (the phone loses the device) and deletes', async () => {
    const session = await onboard(alice);
    const res = await call(t, 'POST', `/sessions/${session.id}/logout`, { token: alice.token });
    expect(res.body.data.status).toBe('logged_out');
    expect(sim().pairedDevices(session.phone)).toEqual([]);
    expect(await db.query('SELECT 1 FROM wa_auth_creds WHERE session_id = $1', [session.id])).toEqual([]);
    const del = await call(t, 'DELETE', `/sessions/${session.id}`, { token: alice.token });
    expect(del.body).toEqual({ success: true, message: 'Session deleted' });
    expectErrorShape(await call(t, 'GET', `/sessions/${session.id}`, { token: alice.token }), 404);
  });

  it('unlinks the device of a stopped session on logout (it connects to do so)', async () => {
    const session = await onboard(alice);
    await call(t, 'POST', `/sessions/${session.id}/stop`, { token: alice.token });
    expect(sim().pairedDevices(session.phone)).toHaveLength(1);
    const res = await call(t, 'POST', `/sessions/${session.id}/logout`, { token: alice.token });
    expect(res.body.data.status).toBe('logged_out');
    expect(sim().pairedDevices(session.phone)).toEqual([]);
  });

  it('persists the download-media switch per tenant', async () => {
    expect((await call(t, 'GET', '/config/download-media', { token: alice.token })).body).toEqual({ success: true, enabled: false });
    expect((await call(t, 'POST', '/config/download-media', { token: alice.token, body: { enabled: true } })).body).toEqual({ success: true, enabled: true });
    expect((await call(t, 'GET', '/config/download-media', { token: alice.token })).body).toEqual({ success: true, enabled: true });
    const bob = await newUser(t);
    expect((await call(t, 'GET', '/config/download-media', { token: bob.token })).body).toEqual({ success: true, enabled: false });
    expectErrorShape(await call(t, 'POST', '/config/download-media', { token: alice.token, body: { enabled: 'yes' } }), 400, 'VALIDATION_ERROR');
  });
});

describe('QR budget', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', WA_QR_TIMEOUT_MS: '1000', SSE_MAX_QR_GENERATION: '3' } });
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('rotates the QR at the configured interval and ends with qr_expired after the budget', async () => {
    const user = await newUser(t);
    const { recorder } = openSseWithHeaders(t, { authorization: `Bearer ${user.token}` });
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    const last = await recorder.next((m) => m.reason === 'qr_expired', 15_000);
    await recorder.ended();
    expect(last).toEqual({ connection: 'close', sessionId, reason: 'qr_expired', maxQrReached: true });
    const qrs = recorder.messages.filter((m) => m.qr).map((m) => m.qr);
    expect(qrs).toHaveLength(3);
    expect(new Set(qrs).size).toBe(3);
    const res = await call(t, 'GET', `/sessions/${sessionId}`, { token: user.token });
    expect(res.body.data).toMatchObject({ status: 'expired', disconnectedReason: 'qr_expired', qr: null });
  });

  it('a restart after qr_expired starts a fresh QR budget: a new first QR that the phone can scan', async () => {
    const user = await newUser(t);
    const created = await call(t, 'POST', '/sessions', { token: user.token });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await awaitStatus(t, user.token, id, 'expired', 15_000);
    const qr = nextEvent(t, 'session.qr.updated', (e) => e.sessionId === id, 15_000);
    const restarted = await call(t, 'POST', `/sessions/${id}/restart`, { token: user.token });
    expect(restarted.status).toBe(200);
    expect((await qr).payload.attempt).toBe(1);
    const connected = statusEvent(t, id, 'connected', 15_000);
    await sandboxScan(t, user.token, id, uniquePhone());
    expect((await connected).payload.status).toBe('connected');
  });
});
