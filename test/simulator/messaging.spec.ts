import type { WAMessage } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { nextPhone, pairAndOpen, type TestClient } from './helpers.js';

const upsertOf = (client: TestClient, id: string): Promise<WAMessage> =>
  client.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id)).then((u) => u.messages.find((m) => m.key.id === id)!);

describe('simulator messaging', () => {
  let sim: WhatsAppSimulator;
  let client: TestClient;
  const phone = nextPhone();

  beforeAll(async () => {
    // The realistic path: the server reports 0 prekeys, the client uploads 812, contacts use one.
    sim = await WhatsAppSimulator.start({ autoReceipts: { deliveredAfterMs: 150, readAfterMs: 300 } });
    ({ client } = await pairAndOpen(sim, { phoneNumber: phone }));
  });
  afterAll(async () => {
    await client.end();
    await sim.stop();
  });

  it('stored the prekeys the client uploaded at first login', () => {
    const [device] = sim.registry.devicesOf(phone);
    expect(device?.preKeyCount).toBeGreaterThanOrEqual(800);
    expect(device?.preKeys.length).toBeGreaterThan(0);
  });

  it('delivers a contact text (pkmsg first, msg once the device confirmed)', async () => {
    const alice = sim.contact(nextPhone('1666'), { pushName: 'Alice' });
    const inbound = sim.waitFor('inbound', (e) => e.from === alice.phoneNumber);
    const id = alice.sendText(phone, 'hello from alice', { id: '3EB0ALICE0000000000001' });
    const receipt = sim.waitFor('receipt', (r) => r.messageIds.includes('3EB0ALICE0000000000001'));
    expect(await id).toBe('3EB0ALICE0000000000001');
    expect(Object.values((await inbound).encTypes)).toEqual(['pkmsg']);
    const msg = await upsertOf(client, await id);
    expect(msg.message?.conversation).toBe('hello from alice');
    expect(msg.key.remoteJid).toBe(alice.jid);
    expect(msg.key.fromMe).toBe(false);
    expect(msg.pushName).toBe('Alice');
    expect(['', 'inactive']).toContain((await receipt).type);

    const second = sim.waitFor('inbound', (e) => e.from === alice.phoneNumber);
    const id2 = await alice.sendText(phone, 'second one');
    expect(Object.values((await second).encTypes)).toEqual(['msg']);
    expect((await upsertOf(client, id2)).message?.conversation).toBe('second one');
  });

  it('delivers a LID-addressed text with the PN as remoteJidAlt', async () => {
    const bob = sim.contact(nextPhone('1667'), { pushName: 'Bob', lid: '123456789012345' });
    const id = await bob.sendText(phone, 'via lid', { addressing: 'lid' });
    const msg = await upsertOf(client, id);
    expect(msg.message?.conversation).toBe('via lid');
    expect(msg.key.remoteJid).toBe('123456789012345@lid');
    expect(msg.key.remoteJidAlt).toBe(bob.jid);
  });

  it('delivers a plaintext message (load-test mode)', async () => {
    const carol = sim.contact(nextPhone('1668'));
    const id = await carol.sendText(phone, 'plain and simple', { plaintext: true });
    expect((await upsertOf(client, id)).message?.conversation).toBe('plain and simple');
  });

  it('decrypts what the session sends, for the contact and the own phone, then reports delivered and read', async () => {
    const dave = sim.contact(nextPhone('1669'), { pushName: 'Dave' });
    const sent = await client.sock.sendMessage(dave.jid, { text: 'hi dave' });
    const id = sent!.key.id!;
    const record = await sim.waitForSentMessage((m) => m.id === id);
    expect(record.text).toBe('hi dave');
    expect(record.from).toBe(phone);
    expect(record.toPhoneNumber).toBe(dave.phoneNumber);
    expect(record.decryptedBy.sort()).toEqual(['contact', 'phone']);
    expect(sim.sentMessages(phone).map((m) => m.id)).toContain(id);
    await client.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === id && x.update.status === 3));
    await client.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === id && x.update.status === 4));

    // A reply from the contact now rides the session the client started: no prekey header.
    const reply = sim.waitFor('inbound', (e) => e.from === dave.phoneNumber);
    const replyId = await dave.sendText(phone, 'hi back');
    expect(Object.values((await reply).encTypes)).toEqual(['msg']);
    expect((await upsertOf(client, replyId)).message?.conversation).toBe('hi back');
  });

  it('sends to a contact by LID', async () => {
    const erin = sim.contact(nextPhone('1670'), { lid: '223456789012345' });
    const sent = await client.sock.sendMessage(erin.lidJid, { text: 'to your lid' });
    const record = await sim.waitForSentMessage((m) => m.id === sent!.key.id);
    expect(record.text).toBe('to your lid');
    expect(record.to).toBe(erin.lidJid);
    expect(record.toPhoneNumber).toBe(erin.phoneNumber);
  });

  it('sends receipts on demand when automatic ones are off, and presence updates', async () => {
    const quiet = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50 });
    const quietPhone = nextPhone();
    const { client: c } = await pairAndOpen(quiet, { phoneNumber: quietPhone });
    try {
      const frank = quiet.contact(nextPhone('1671'));
      const sent = await c.sock.sendMessage(frank.jid, { text: 'ping' });
      const id = sent!.key.id!;
      await quiet.waitForSentMessage((m) => m.id === id);
      expect(c.events('messages.update').some((u) => u.some((x) => x.key.id === id && (x.update.status ?? 0) >= 3))).toBe(false);
      quiet.sendReceipt(id, 'delivered');
      await c.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === id && x.update.status === 3));
      quiet.sendReceipt(id, 'read');
      await c.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === id && x.update.status === 4));

      frank.sendPresence(quietPhone, 'composing');
      const typing = await c.waitForEvent('presence.update', (p) => p.id === frank.jid);
      expect(typing.presences[frank.jid]?.lastKnownPresence).toBe('composing');
      frank.sendPresence(quietPhone, 'available');
      await c.waitForEvent('presence.update', (p) => p.id === frank.jid && p.presences[frank.jid]?.lastKnownPresence === 'available');
    } finally {
      await c.end();
      await quiet.stop();
    }
  });
});
