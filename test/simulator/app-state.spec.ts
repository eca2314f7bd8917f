import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { TestClient, connectAndWaitForOpen, nextPhone, pairNewSession } from './helpers.js';

describe('simulator: push name and app state', () => {
  let sim: WhatsAppSimulator;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ initialPreKeyCount: 50 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(async () => {
    await sim.stop();
  });

  async function open(scan: Parameters<typeof pairNewSession>[1]): Promise<{ client: TestClient; openedAt: number; named: Promise<number> }> {
    const { auth } = await pairNewSession(sim, scan);
    const client = new TestClient(sim.url, { auth });
    clients.push(client);
    const named = new Promise<number>((resolve) => {
      client.sock.ev.on('creds.update', (u) => {
        if (u.me?.name === scan.pushName) resolve(Date.now());
      });
    });
    await client.waitForOpen();
    return { client, openedAt: Date.now(), named };
  }

  it('gives the client creds.me.name (the push name) within a second of open', async () => {
    const phone = nextPhone();
    const { client, openedAt, named } = await open({ phoneNumber: phone, pushName: 'Alice Phone' });
    const at = await named;
    expect(at - openedAt).toBeLessThan(1000);
    expect(client.auth.state.creds.me?.name).toBe('Alice Phone');
    expect(sim.pairedDevices(phone)[0]?.pushName).toBe('Alice Phone');
    // the phone shared its app-state key and the initial sync completed
    await client.waitForEvent('creds.update', (u) => !!u.myAppStateKeyId);
    await client.waitForEvent('creds.update', (u) => (u.accountSyncCounter ?? 0) > 0);
    expect(sim.appStateMutations(phone)).toEqual([expect.objectContaining({ collection: 'critical_block', index: ['setting_pushName'], source: 'phone' })]);
  });

  it('pushes contact names, mute, archive and pin live (contacts.upsert, chats.update)', async () => {
    const phone = nextPhone();
    const { client } = await open({ phoneNumber: phone, pushName: 'Bob' });
    await client.waitForEvent('creds.update', (u) => (u.accountSyncCounter ?? 0) > 0);
    const juan = sim.contact(nextPhone('1666'), { pushName: 'Juan' });
    const until = Date.now() + 3_600_000;
    await sim.setAppState(phone, {
      contactNames: [{ jid: juan.jid, name: 'Juan Perez', lidJid: juan.lidJid }],
      mute: [{ jid: juan.jid, muted: true, until }],
      archive: [{ jid: juan.jid, archived: true }],
      pin: [{ jid: juan.jid, pinned: true }],
    });
    const contact = await client.waitForEvent('contacts.upsert', (list) => list.some((c) => c.name === 'Juan Perez'));
    expect(contact.find((c) => c.name === 'Juan Perez')).toMatchObject({ id: juan.jid });
    await client.waitForEvent('chats.update', (list) => list.some((c) => c.id === juan.jid && c.muteEndTime === until));
    await client.waitForEvent('chats.update', (list) => list.some((c) => c.id === juan.jid && c.archived === true));
    await client.waitForEvent('chats.update', (list) => list.some((c) => c.id === juan.jid && !!c.pinned));

    await sim.setAppState(phone, { mute: [{ jid: juan.jid, muted: false }], pushName: 'Bobby' });
    await client.waitForEvent('chats.update', (list) => list.some((c) => c.id === juan.jid && c.muteEndTime === null));
    await client.waitForEvent('creds.update', (u) => u.me?.name === 'Bobby');
  });

  it("decodes and records the session's own patches (mute, profile name)", async () => {
    const phone = nextPhone();
    const { client } = await open({ phoneNumber: phone, pushName: 'Carol' });
    await client.waitForEvent('creds.update', (u) => (u.accountSyncCounter ?? 0) > 0);
    const dan = sim.contact(nextPhone('1666'));
    const muted = sim.waitFor('appState', (m) => m.source === 'session' && m.index[0] === 'mute');
    await client.sock.chatModify({ mute: Date.now() + 8 * 3_600_000 }, dan.jid);
    const m = await muted;
    expect(m).toMatchObject({ collection: 'regular_high', index: ['mute', dan.jid], phoneNumber: phone, operation: 'set' });
    expect((m.value.muteAction as { muted?: boolean }).muted).toBe(true);

    const renamed = sim.waitFor('appState', (x) => x.source === 'session' && x.index[0] === 'setting_pushName');
    await client.sock.updateProfileName('Carol New');
    expect((await renamed).value.pushNameSetting).toEqual({ name: 'Carol New' });
    expect(sim.pairedDevices(phone)[0]?.pushName).toBe('Carol New');
    expect(sim.appStateMutations(phone).filter((x) => x.source === 'session')).toHaveLength(2);
  });

  it('keeps the app state with the device registry: a restarted simulator serves the next change', async () => {
    const phone = nextPhone();
    const { client } = await open({ phoneNumber: phone, pushName: 'Erin' });
    await client.waitForEvent('creds.update', (u) => (u.accountSyncCounter ?? 0) > 0);
    const saved = sim.saveDevices();
    expect(saved.accounts.find((a) => a.phoneNumber === phone)?.appState?.collections.critical_block?.version).toBe(1);
    await client.end();
    clients.splice(0);

    const sim2 = await WhatsAppSimulator.start({ devices: saved, initialPreKeyCount: 50 });
    try {
      const again = await connectAndWaitForOpen(sim2.url, client.auth);
      clients.push(again);
      const fay = sim2.contact(nextPhone('1666'));
      await sim2.setAppState(phone, { contactNames: [{ jid: fay.jid, name: 'Fay Lee' }] });
      await again.waitForEvent('contacts.upsert', (list) => list.some((c) => c.id === fay.jid && c.name === 'Fay Lee'));
      await again.end();
      clients.splice(0);
    } finally {
      await sim2.stop();
    }
  });
});
