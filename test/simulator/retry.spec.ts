/**
 * Retry receipts: a contact fails the next decryption on purpose and asks for a retry; Baileys
 * re-sends the message when its `getMessage` finds it, and does not when it cannot.
 */
import type { proto } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { nextPhone, pairAndOpen, type TestClient } from './helpers.js';

describe('simulator retry receipts', () => {
  let sim: WhatsAppSimulator;
  let client: TestClient;
  const phone = nextPhone();
  /** What the session's store can give back to Baileys' getMessage. */
  const store = new Map<string, proto.IMessage>();

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50, media: false });
    ({ client } = await pairAndOpen(sim, { phoneNumber: phone }, {
      // As in the product: no recent-message cache, so only getMessage can give the message back.
      config: { enableRecentMessageCache: false, getMessage: async (key) => (key.id ? store.get(key.id) : undefined) },
    }));
  });
  afterAll(async () => {
    await client.end();
    await sim.stop();
  });

  it('re-sends the message (fresh pkmsg, same id) when getMessage finds it', async () => {
    const alice = sim.contact(nextPhone('1666'));
    // A first message sets up the session, so the retry is not just the first-contact path.
    const first = await client.sock.sendMessage(alice.jid, { text: 'warm up' });
    await sim.waitForSentMessage((m) => m.id === first!.key.id && m.decryptedBy.includes('contact'));

    alice.failNextDecrypt(phone);
    const asked = sim.waitFor('retryRequested', (r) => r.from === alice.phoneNumber);
    const sent = await client.sock.sendMessage(alice.jid, { text: 'please retry me' });
    const id = sent!.key.id!;
    store.set(id, sent!.message!);
    const failed = await sim.waitForSentMessage((m) => m.id === id);
    expect(failed.retryRequested).toBe(true);
    expect(failed.decryptedBy).not.toContain('contact');
    expect((await asked).id).toBe(id);

    const resent = await sim.waitFor('message', (m) => m.id === id && m.decryptedBy.includes('contact'));
    expect(resent.text).toBe('please retry me');
    expect(resent.encTypes[alice.jid]).toBe('pkmsg');
    const inbox = sim.inboxOf(alice.phoneNumber, phone).messages.filter((m) => m.id === id);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.decryptedBy).toContain('contact');
  });

  it('gets nothing back when getMessage cannot find the message', async () => {
    const bob = sim.contact(nextPhone('1667'));
    bob.failNextDecrypt(phone);
    const sent = await client.sock.sendMessage(bob.jid, { text: 'not stored' });
    const id = sent!.key.id!;
    const answered = sim.waitFor('retryAnswered', (r) => r.id === id);
    await sim.waitFor('retryRequested', (r) => r.id === id);
    // Baileys acks the retry receipt after deciding; any re-send would be queued before the next message.
    await answered;
    const ack = sim.waitFor('message', (m) => m.toPhoneNumber === bob.phoneNumber && m.text === 'after');
    const after = await client.sock.sendMessage(bob.jid, { text: 'after' });
    store.set(after!.key.id!, after!.message!);
    await ack;
    expect(sim.sentMessages(phone).filter((m) => m.id === id)).toHaveLength(1);
  });
});
