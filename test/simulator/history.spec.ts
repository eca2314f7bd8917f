import type { BaileysEventMap } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { TestClient, connectAndWaitForOpen, nextPhone, pairNewSession } from './helpers.js';

type HistorySet = BaileysEventMap['messaging-history.set'];
const RECENT = 3;

describe('simulator: history sync on the first login', () => {
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

  const union = (sets: HistorySet[]) => ({
    chats: sets.flatMap((s) => s.chats),
    contacts: sets.flatMap((s) => s.contacts),
    messages: sets.flatMap((s) => s.messages),
  });

  it("delivers the fixture's chats, contacts and messages, then RECENT complete at 100", async () => {
    const phone = nextPhone();
    const { auth } = await pairNewSession(sim, { phoneNumber: phone, pushName: 'Hanna', history: { chats: 5, messagesPerChat: 4 } });
    const sent = sim.waitFor('historySent', (h) => h.phoneNumber === phone);
    const client = await connectAndWaitForOpen(sim.url, auth);
    clients.push(client);
    const status = await client.waitForEvent('messaging-history.status', (s) => s.syncType === RECENT && s.status === 'complete');
    expect(status.explicit).toBe(true);
    expect(await sent).toMatchObject({ messages: 20 });
    const fixture = sim.historyFixture(phone);
    expect(fixture).toHaveLength(5);
    expect(fixture.filter((c) => c.id.endsWith('@lid'))).toHaveLength(1);

    const got = union(client.events('messaging-history.set'));
    expect(new Set(got.chats.map((c) => c.id))).toEqual(new Set(fixture.map((c) => c.id)));
    for (const chat of fixture) {
      expect(got.contacts).toContainEqual(expect.objectContaining({ id: chat.id, name: chat.name }));
      const messages = got.messages.filter((m) => m.key.remoteJid === chat.id);
      expect(messages).toHaveLength(4);
      expect(messages.filter((m) => m.key.fromMe)).toHaveLength(2);
      expect(messages.map((m) => m.message?.conversation)).toContain(`Message 1 from ${chat.name}`);
    }
    expect(new Set(got.messages.map((m) => m.key.id)).size).toBe(20);
    const lidChat = fixture.find((c) => c.id.endsWith('@lid'))!;
    expect(got.contacts).toContainEqual(expect.objectContaining({ id: lidChat.id, phoneNumber: lidChat.contact.jid }));
    // PUSH_NAME chunk: the contacts' own push names
    expect(got.contacts).toContainEqual({ id: fixture[0]!.contact.jid, notify: fixture[0]!.contact.pushName });
    // the mappings were stored: Baileys resolves the LID chat's phone number
    const pn = await client.sock.signalRepository.lidMapping.getPNForLID(lidChat.id);
    expect(pn).toBe(lidChat.contact.jid.replace('@', ':0@'));
  });

  it('sends history only on the first login of a device', async () => {
    const phone = nextPhone();
    const { auth } = await pairNewSession(sim, { phoneNumber: phone, history: { chats: 2, messagesPerChat: 2 } });
    const first = await connectAndWaitForOpen(sim.url, auth);
    await first.waitForEvent('messaging-history.status', (s) => s.syncType === RECENT && s.status === 'complete');
    await first.waitForEvent('creds.update', (u) => (u.accountSyncCounter ?? 0) > 0);
    await first.end();
    const second = await connectAndWaitForOpen(sim.url, auth);
    clients.push(second);
    await second.waitForConnection((u) => u.receivedPendingNotifications === true);
    // a message sent after the login arrives after anything the phone sent at login
    const id = await sim.contact(nextPhone('1666')).sendText(phone, 'after login');
    await second.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id));
    expect(second.events('messaging-history.set')).toHaveLength(0);
    expect(second.events('messaging-history.status')).toHaveLength(0);
  });

  it('refuses a fixture above the limits', async () => {
    const c = new TestClient(sim.url);
    clients.push(c);
    const qr = await c.waitForQr();
    await expect(sim.scanQr(qr, { phoneNumber: nextPhone(), history: { chats: 1000, messagesPerChat: 10_000 } })).rejects.toThrow(/at most 200000 messages/);
  });
});
