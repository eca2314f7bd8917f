import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { TestClient, connectAndWaitForOpen, nextPhone } from './helpers.js';

describe('simulator: pairing-code login (the phone side)', () => {
  let sim: WhatsAppSimulator;
  const clients: TestClient[] = [];
  const client = (): TestClient => {
    // long-lived QR refs: the pairing-code exchange runs while Baileys keeps rotating them
    const c = new TestClient(sim.url, { config: { qrTimeout: 60_000 } });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ initialPreKeyCount: 50 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(async () => {
    await sim.stop();
  });

  async function requestCode(c: TestClient, phone: string): Promise<string> {
    await c.waitForQr();
    const requested = sim.waitFor('pairingCodeRequested', (r) => r.phoneNumber === phone);
    const code = await c.sock.requestPairingCode(phone);
    await requested;
    return code;
  }

  it('pairs with the right code (pair-success, 515) and then opens', async () => {
    const phone = nextPhone();
    const c = client();
    const code = await requestCode(c, phone);
    expect(code).toMatch(/^[1-9A-HJ-NP-TV-Z]{8}$/);
    expect(sim.pairingCodeRequests()).toContain(phone);
    const device = await sim.enterPairingCode(phone, code, { pushName: 'Paula' });
    expect(device).toMatchObject({ phoneNumber: phone, pushName: 'Paula' });
    expect(await c.waitForClose()).toBe(515);
    expect(c.auth.state.creds.registered).toBe(true);
    expect(c.auth.state.creds.me?.id).toBe(device.jid);

    const session = await connectAndWaitForOpen(sim.url, c.auth);
    clients.push(session);
    expect(session.sock.user?.id).toBe(device.jid);
    await session.waitForEvent('creds.update', (u) => u.me?.name === 'Paula');
  });

  it('refuses a wrong code with a clear error and never pairs', async () => {
    const phone = nextPhone();
    const c = client();
    const code = await requestCode(c, phone);
    const wrong = code.startsWith('A') ? 'B'.padEnd(8, 'C') : 'A'.padEnd(8, 'C');
    const paired: string[] = [];
    const off = sim.on('paired', (p) => paired.push(p.phoneNumber));
    await expect(sim.enterPairingCode(phone, wrong)).rejects.toThrow(/incorrect pairing code/);
    off();
    expect(paired).not.toContain(phone);
    expect(sim.pairedDevices(phone)).toHaveLength(0);
    // the companion is still waiting: its QR flow ends with 408 and it never opened
    expect(sim.endQrRefs()).toBeGreaterThanOrEqual(1);
    expect(await c.waitForClose()).toBe(408);
    expect(c.events('connection.update').some((u) => u.connection === 'open')).toBe(false);
  });

  it('refuses a code for a number nobody asked a code for', async () => {
    await expect(sim.enterPairingCode(nextPhone(), 'ABCD1234')).rejects.toThrow(/no companion is waiting/);
  });
});
