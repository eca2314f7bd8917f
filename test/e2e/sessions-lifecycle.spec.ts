/**
 * Session lifecycle across processes and failures, against a standalone WhatsApp Web simulator
 * (WA_SERVER_URL), so that it outlives the app instances that connect to it.
 */
import { SessionRegistry } from '../../src/sessions/session-registry.js';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { call, TestDb } from '../support/auth-helpers.js';
import { awaitStatus, newUser, nextEvent, openSseWithHeaders, uniquePhone } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('restore at boot', () => {
  let sim: WhatsAppSimulator;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ port: 0 });
  });
  afterAll(async () => {
    await apps[1]?.close().catch(() => undefined);
    await apps[0]?.close({ drop: true }).catch(() => undefined);
    await sim.stop();
  });

  it('brings a paired session back to connected on a second instance with no scan, and keeps a session created over REST that waits for a scan', async () => {
    const first = await startTestApp({ env: { WA_SERVER_URL: sim.url } });
    apps.push(first);
    const user = await newUser(first);
    const phone = uniquePhone();

    const qr = nextEvent(first, 'session.qr.updated');
    const created = await call(first, 'POST', '/sessions', { token: user.token });
    const sessionId: string = created.body.id;
    const qrText = (await qr).payload.qrText;
    const connected = nextEvent(first, 'session.status.changed', (e) => e.sessionId === sessionId && e.payload.status === 'connected');
    await sim.scanQr(qrText, { phoneNumber: phone });
    expect((await connected).payload.newlyPaired).toBe(true);

    const pendingQr = nextEvent(first, 'session.qr.updated');
    const pending = await call(first, 'POST', '/sessions', { token: user.token });
    await pendingQr;

    const closedBySim = sim.events.waitFor('closed', (c) => c.phoneNumber === phone);
    await first.close();
    await closedBySim;
    expect(sim.pairedDevices(phone)).toHaveLength(1);

    const reopened = sim.events.waitFor('opened', (c) => c.phoneNumber === phone, 30_000);
    const second = await startTestApp({ databaseUrl: first.databaseUrl, dataDir: first.dataDir, env: { WA_SERVER_URL: sim.url } });
    apps.push(second);
    await second.app.get(SessionRegistry).whenRestored();
    await reopened;
    // Both instances share the JWT secret: the same access token works on the second one.
    const accessToken = user.token;
    await awaitStatus(second, accessToken, sessionId, 'connected');
    expect(sim.pairedDevices(phone)).toHaveLength(1);

    const db = await TestDb.connect(second);
    // A POST /sessions session waiting for a scan is the user's: kept (SSE onboardings whose client left are not; restart-keeps.spec).
    expect(await db.query('SELECT id FROM wa_sessions WHERE id = $1', [pending.body.id])).toEqual([{ id: pending.body.id }]);
    await db.close();

    const sent = await call(second, 'POST', `/sessions/${sessionId}/send-message`, { token: accessToken, body: { number: uniquePhone(), message: 'after restart' } });
    expect(sent.status).toBe(200);
    await sim.waitForSentMessage((m) => m.id === sent.body.data.messageId && m.text === 'after restart');
  });
});

describe('reconnect budget', () => {
  let sim: WhatsAppSimulator;
  let t: TestApp;
  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ port: 0 });
    t = await startTestApp({ env: { WA_SERVER_URL: sim.url, MAX_RECONNECT_RETRIES: '2', RECONNECT_BASE_DELAY_MS: '100' } });
  });
  afterAll(async () => {
    await t?.close({ drop: true });
    await sim.stop();
  });

  it('ends with max_retries_reached after repeated failures, reporting each reconnectable close on the stream', async () => {
    const user = await newUser(t);
    const { recorder } = openSseWithHeaders(t, { authorization: `Bearer ${user.token}` });
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    await recorder.next((m) => m.qr);
    await sim.stop();
    const last = await recorder.next((m) => m.reason === 'max_retries_reached', 30_000);
    await recorder.ended();
    expect(last).toEqual({ connection: 'close', sessionId, reason: 'max_retries_reached', statusCode: expect.any(Number) });
    const closes = recorder.messages.filter((m) => m.connection === 'close' && m.lastDisconnect);
    expect(closes).toHaveLength(2);
    for (const close of closes) expect(close.lastDisconnect.error.output.statusCode).toEqual(expect.any(Number));
    const res = await call(t, 'GET', `/sessions/${sessionId}`, { token: user.token });
    expect(res.body.data).toMatchObject({ status: 'error', disconnectedReason: 'max_retries_reached' });
  });
});
