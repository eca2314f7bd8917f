import { WhatsAppSimulator } from '../../src/simulator/index.js';
import type { TestClientOptions } from '../../src/simulator/testing/index.js';
import { connectAndWaitForOpen, nextPhone, pairNewSession, TestClient, type createMemoryAuthState } from './helpers.js';

type Auth = ReturnType<typeof createMemoryAuthState>;

describe('simulator faults', () => {
  let sim: WhatsAppSimulator;
  let auth: Auth;
  let phone: string;
  const clients: TestClient[] = [];
  const open = async (config?: TestClientOptions['config']): Promise<TestClient> => {
    const c = await connectAndWaitForOpen(sim.url, auth, { config });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ initialPreKeyCount: 50 });
    phone = nextPhone();
    ({ auth } = await pairNewSession(sim, { phoneNumber: phone }));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('connection replaced → 440', async () => {
    const c = await open();
    expect(sim.replaceConnection(phone)).toBe(1);
    expect(await c.waitForClose()).toBe(440);
  });

  it('a second login of the same device replaces the first → 440', async () => {
    const first = await open();
    const second = await open();
    expect(await first.waitForClose()).toBe(440);
    expect(second.events('connection.update').some((u) => u.connection === 'close')).toBe(false);
  });

  it('server closes the socket → 428', async () => {
    const c = await open();
    expect(sim.closeConnection(phone)).toBe(1);
    expect(await c.waitForClose()).toBe(428);
  });

  it('server ends the stream (xmlstreamend) → 428', async () => {
    const c = await open();
    sim.closeConnection(phone, 'stream-end');
    expect(await c.waitForClose()).toBe(428);
  });

  it('server restart → 428, and the session logs in again', async () => {
    const c = await open();
    const closed = sim.waitFor('closed', (e) => e.phoneNumber === phone);
    expect(sim.restart()).toBeGreaterThanOrEqual(1);
    expect(await c.waitForClose()).toBe(428);
    expect((await closed).reason).toBe('server');
    await open();
  });

  it.each([503, 515, 500])('stream error code %i → %i', async (code) => {
    const c = await open();
    sim.streamError(phone, code);
    expect(await c.waitForClose()).toBe(code);
  });

  it('bare stream error → 500', async () => {
    const c = await open();
    sim.streamError(phone);
    expect(await c.waitForClose()).toBe(500);
  });

  it('downgrade_webclient → 411', async () => {
    const c = await open();
    sim.downgrade(phone);
    expect(await c.waitForClose()).toBe(411);
  });

  it('no pongs → 408', async () => {
    const c = await open({ keepAliveIntervalMs: 500 });
    expect(sim.stopPongs(phone)).toBe(1);
    expect(await c.waitForClose(15_000)).toBe(408);
  });

  it('phone removes the device → 401, and the next login → 401', async () => {
    const c = await open();
    expect(sim.removeDevice(phone)).toBe(1);
    expect(await c.waitForClose()).toBe(401);
    const again = new TestClient(sim.url, { auth });
    clients.push(again);
    expect(await again.waitForClose()).toBe(401);
  });

  it('logout from the session removes the device on the server', async () => {
    const other = nextPhone();
    const paired = await pairNewSession(sim, { phoneNumber: other });
    const c = await connectAndWaitForOpen(sim.url, paired.auth);
    clients.push(c);
    expect(sim.pairedDevices(other)).toHaveLength(1);
    const closed = sim.waitFor('closed', (e) => e.phoneNumber === other);
    await c.sock.logout();
    expect(await c.waitForClose()).toBe(401);
    await closed;
    expect(sim.pairedDevices(other)).toHaveLength(0);
  });
});
