/**
 * Issue 30, item 8: the server's Noise certificate chain is really checked. A server whose chain
 * does not lead to the trusted root, or whose static key is not the one its leaf certifies (a man
 * in the middle replaying a genuine chain), is refused at the handshake: no QR, nothing paired.
 * The simulator with the trusted root (WA_TRUSTED_ROOT_PUBLIC_KEY, set by the test support for any
 * app pointed at a simulator) still pairs. Real Baileys against the simulator, real Postgres.
 */
import { newKeyPair } from '../../src/simulator/certificates.js';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/types.js';
import { call } from '../support/auth-helpers.js';
import { newUser, openSseWithHeaders, uniquePhone } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RETRIES = { MAX_RECONNECT_RETRIES: '2', RECONNECT_BASE_DELAY_MS: '100' };

async function withApp(sim: WhatsAppSimulator, run: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startTestApp({ env: { WA_SERVER_URL: sim.url, ...RETRIES } });
  try {
    await run(t);
  } finally {
    await t.close({ drop: true });
  }
}

describe('Noise certificate chain', () => {
  const sims: WhatsAppSimulator[] = [];
  const start = async (opts: Partial<SimulatorOptions> = {}) => {
    const sim = await WhatsAppSimulator.start({ port: 0, ...opts });
    sims.push(sim);
    return sim;
  };
  afterAll(async () => {
    for (const sim of sims) await sim.stop();
  });

  it.each<[string, () => Partial<SimulatorOptions>]>([
    ['a root the app does not trust', () => ({ rootKey: newKeyPair() })],
    ['a static key its (genuine) leaf certificate does not certify', () => ({ uncertifiedStaticKey: newKeyPair() })],
  ])('refuses a server with %s at the handshake: no QR, nothing paired', async (_, options) => {
    const rogue = await start(options());
    let qrsSent = 0;
    rogue.events.on('qr', () => qrsSent++);
    await withApp(rogue, async (t) => {
      const user = await newUser(t);
      const { recorder } = openSseWithHeaders(t, { authorization: `Bearer ${user.token}` });
      const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
      // Every attempt ends at the handshake, until the reconnect budget is spent.
      await recorder.next((m) => m.reason === 'max_retries_reached', 30_000);
      await recorder.ended();
      expect(recorder.messages.filter((m) => m.qr)).toEqual([]);
      const closes = recorder.messages.filter((m) => m.connection === 'close' && m.lastDisconnect);
      expect(closes.length).toBeGreaterThan(0);
      for (const close of closes) expect(close.lastDisconnect.error.message).toMatch(/certificate/);
      const res = await call(t, 'GET', `/sessions/${sessionId}`, { token: user.token });
      expect(res.body.data).toMatchObject({ status: 'error', disconnectedReason: 'max_retries_reached' });
    });
    expect(qrsSent).toBe(0);
    expect(rogue.pairedDevices()).toEqual([]);
  });

  it('pairs with a simulator certified by the trusted root', async () => {
    const sim = await start();
    await withApp(sim, async (t) => {
      const user = await newUser(t);
      const { recorder, abort } = openSseWithHeaders(t, { authorization: `Bearer ${user.token}` });
      const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
      await recorder.next((m) => m.qr);
      const qr = await call(t, 'GET', `/sessions/${sessionId}/qr`, { token: user.token });
      const phone = uniquePhone();
      await sim.scanQr(qr.body.qrText, { phoneNumber: phone });
      await recorder.next((m) => m.connection === 'open');
      expect(sim.pairedDevices(phone)).toHaveLength(1);
      abort();
    });
  });
});
