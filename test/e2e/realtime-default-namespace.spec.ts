/**
 * Seed 004's client as it is written: `io(url)` (the default namespace), then `authenticate`,
 * `subscribe-session` and `request-qr`, against the app in sandbox mode.
 */
import { io } from 'socket.io-client';
import { call } from '../support/auth-helpers.js';
import { RecordingSocket } from '../support/realtime-harness.js';
import { newUser, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('seed 004 on the default Socket.io namespace', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  const opened: RecordingSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    bob = await newUser(t);
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await t?.close({ drop: true });
  });

  /** `const socket = io(url)`, as a seed 004 frontend opens it (no reconnection, for the test). */
  function seedSocket(): RecordingSocket {
    const s = new RecordingSocket(io(t.baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true }));
    opened.push(s);
    return s;
  }

  it('answers authenticate, subscribe-session and request-qr, and streams the session to connected with +phoneNumber', async () => {
    const socket = seedSocket();
    socket.socket.emit('authenticate', { token: alice.token });
    expect(await socket.next('authenticated')).toMatchObject({ success: true });
    // The seed 002 events reach the default namespace too: the snapshot first.
    await socket.next('session.snapshot');

    const id: string = (await call(t, 'POST', '/sessions', { token: alice.token })).body.id;
    socket.socket.emit('subscribe-session', { instance_id: id });
    const status = await socket.next('session-status', (s) => s.instance_id === id);
    expect(status).toMatchObject({ instance_id: id, status: expect.stringMatching(/^(init|qr_required)$/), phoneNumber: null });
    const qr = await socket.next('qr-code', (q) => q.instance_id === id);
    expect(qr).toEqual({ instance_id: id, qr: expect.stringMatching(/^data:image\/png;base64,/), expiresAt: expect.stringMatching(ISO) });
    socket.socket.emit('request-qr', { instance_id: id });
    const [, again] = await socket.nextN('qr-code', 2, (q) => q.instance_id === id);
    expect(again).toEqual(qr);

    const phone = uniquePhone();
    await sandboxScan(t, alice.token, id, phone);
    const connected = await socket.next('session-status', (s) => s.instance_id === id && s.status === 'connected');
    expect(connected).toEqual({ instance_id: id, status: 'connected', phoneNumber: `+${phone}`, connectedAt: expect.stringMatching(ISO), reason: null, updatedAt: expect.stringMatching(ISO) });
    expect(socket.all('session.status.connected').filter((e) => e.sessionId === id)).toHaveLength(1);
  });

  it("keeps another tenant's session out of reach", async () => {
    const aliceSession: string = (await call(t, 'POST', '/sessions', { token: alice.token })).body.id;
    const socket = seedSocket();
    socket.socket.emit('authenticate', { token: bob.token });
    expect(await socket.next('authenticated')).toMatchObject({ success: true });
    socket.socket.emit('subscribe-session', { instance_id: aliceSession });
    const refused = await socket.next('connection-error', (e) => e.instance_id === aliceSession);
    expect(refused.error).toBe('SESSION_NOT_FOUND');
    expect(socket.received.filter((r) => JSON.stringify(r.data ?? '').includes(aliceSession) && r.event !== 'connection-error')).toEqual([]);
  });
});
