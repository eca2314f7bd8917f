import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { TestClient, connectAndWaitForOpen, createMemoryAuthState, nextPhone, pairNewSession } from './helpers.js';

describe('simulator onboarding', () => {
  let sim: WhatsAppSimulator;
  const clients: TestClient[] = [];
  const client = (opts?: ConstructorParameters<typeof TestClient>[1]): TestClient => {
    const c = new TestClient(sim.url, opts);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ qrRefCount: 3, initialPreKeyCount: 50 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('listens on a loopback URL', () => {
    expect(sim.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
  });

  it('sends QR refs that rotate at the client qrTimeout and ends with 408 when they run out', async () => {
    const c = client({ config: { qrTimeout: 700 } });
    const times: number[] = [];
    const qrs: string[] = [];
    c.sock.ev.on('connection.update', (u) => {
      if (u.qr) {
        qrs.push(u.qr);
        times.push(Date.now());
      }
    });
    const code = await c.waitForClose(10_000);
    expect(code).toBe(408);
    expect(qrs).toHaveLength(3);
    const creds = c.auth.state.creds;
    for (const qr of qrs) {
      const [ref, noise, identity, adv, platform] = qr.replace('https://wa.me/settings/linked_devices#', '').split(',');
      expect(qr.startsWith('https://wa.me/settings/linked_devices#')).toBe(true);
      expect(ref).toMatch(/^2@[A-Za-z0-9+/=]+$/);
      expect(noise).toBe(Buffer.from(creds.noiseKey.public).toString('base64'));
      expect(identity).toBe(Buffer.from(creds.signedIdentityKey.public).toString('base64'));
      expect(adv).toBe(creds.advSecretKey);
      expect(platform).toMatch(/^\d+$/);
    }
    expect(new Set(qrs).size).toBe(3);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(600);
      expect(gap).toBeLessThan(2000);
    }
  });

  it('ends the QR flow on demand with 408', async () => {
    const c = client();
    await c.waitForQr();
    expect(sim.endQrRefs()).toBeGreaterThanOrEqual(1);
    expect(await c.waitForClose()).toBe(408);
  });

  it('pairs on scan (creds.update with me, 515) and opens with the saved credentials', async () => {
    const phone = nextPhone();
    const c = client();
    const qr = await c.waitForQr();
    const paired = sim.waitFor('paired', (p) => p.phoneNumber === phone);
    const device = await sim.scanQr(qr, { phoneNumber: phone });
    expect(await paired).toEqual(device);
    const me = await c.waitForEvent('creds.update', (u) => !!u.me);
    expect(me.me?.id).toBe(`${phone}:${device.deviceId}@s.whatsapp.net`);
    expect(me.me?.lid).toBe(device.lidJid);
    expect(await c.waitForConnection((u) => u.isNewLogin === true)).toBeTruthy();
    expect(await c.waitForClose()).toBe(515);
    expect(c.auth.state.creds.platform).toBe('android');
    expect(c.auth.state.creds.account?.accountSignatureKey).toBeTruthy();

    const opened = sim.waitFor('opened', (o) => o.phoneNumber === phone);
    const started = Date.now();
    const session = await connectAndWaitForOpen(sim.url, c.auth);
    clients.push(session);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await opened).toEqual({ phoneNumber: phone, deviceId: device.deviceId });
    expect(session.sock.user?.id).toBe(device.jid);
    await session.waitForConnection((u) => u.receivedPendingNotifications === true);
  });

  it('announces a business account with its name', async () => {
    const phone = nextPhone();
    const { auth, device } = await pairNewSession(sim, { phoneNumber: phone, accountType: 'business', name: 'Acme Ltd' });
    expect(device.accountType).toBe('business');
    expect(device.platform).toBe('smba');
    expect(auth.state.creds.me?.name).toBe('Acme Ltd');
    expect(auth.state.creds.platform).toBe('smba');
  });

  it('refuses a scan of an unknown QR', async () => {
    await expect(sim.scanQr('https://wa.me/settings/linked_devices#2@nope,AAAA,AAAA,AAAA,1', { phoneNumber: nextPhone() })).rejects.toThrow(/not pending/);
  });

  it('answers the login of an unknown device with 401', async () => {
    const auth = createMemoryAuthState();
    auth.state.creds.me = { id: `${nextPhone()}:3@s.whatsapp.net`, name: 'ghost' };
    const rejected = sim.waitFor('loginRejected');
    const c = client({ auth });
    expect(await c.waitForClose()).toBe(401);
    expect((await rejected).deviceId).toBe(3);
  });
});
