/**
 * Contacts acting 1:1 on a raw Baileys session (reactions, edits, revokes, receipts, presence,
 * replies), and what the session sends them, decoded in the contact's inbox.
 */
import type { WAMessage } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { nextPhone, pairAndOpen, type TestClient } from './helpers.js';

const upsertOf = (client: TestClient, id: string): Promise<WAMessage> =>
  client.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id)).then((u) => u.messages.find((m) => m.key.id === id)!);

describe('simulator contacts: reactions, edits, revokes, receipts, presence', () => {
  let sim: WhatsAppSimulator;
  let client: TestClient;
  const phone = nextPhone();

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50, media: false });
    ({ client } = await pairAndOpen(sim, { phoneNumber: phone }));
  });
  afterAll(async () => {
    await client.end();
    await sim.stop();
  });

  /** The session sends a text and the client has emitted its own upsert (so later updates are not folded into it). */
  async function sessionSends(to: string, text: string): Promise<string> {
    const sent = await client.sock.sendMessage(`${to}@s.whatsapp.net`, { text });
    const id = sent!.key.id!;
    await sim.waitForSentMessage((m) => m.id === id && m.decryptedBy.includes('contact'));
    await upsertOf(client, id);
    return id;
  }

  it('reacts to a session message and removes the reaction (messages.reaction)', async () => {
    const alice = sim.contact(nextPhone('1666'), { pushName: 'Alice' });
    const target = await sessionSends(alice.phoneNumber, 'react to me');
    const reactionId = await alice.react(phone, target, '👍');
    const added = await client.waitForEvent('messages.reaction', (r) => r.some((x) => x.key.id === target && x.reaction.text === '👍'));
    const r = added.find((x) => x.key.id === target)!;
    expect(r.key).toMatchObject({ remoteJid: alice.jid, fromMe: true });
    expect(r.reaction.key).toMatchObject({ id: reactionId, remoteJid: alice.jid, fromMe: false });
    await alice.react(phone, target, '');
    await client.waitForEvent('messages.reaction', (list) => list.some((x) => x.key.id === target && x.reaction.text === ''));
  });

  it("reacts to the contact's own message over LID addressing", async () => {
    const bob = sim.contact(nextPhone('1667'), { lid: '223456789012345' });
    const own = await bob.sendText(phone, 'my own');
    await upsertOf(client, own);
    await bob.react(phone, own, '❤️', { addressing: 'lid' });
    const event = await client.waitForEvent('messages.reaction', (r) => r.some((x) => x.key.id === own));
    expect(event.find((x) => x.key.id === own)!.key).toMatchObject({ fromMe: false, id: own });
    expect(event.find((x) => x.key.id === own)!.reaction.text).toBe('❤️');
  });

  it('edits and revokes its own messages (messages.update)', async () => {
    const carol = sim.contact(nextPhone('1668'));
    const first = await carol.sendText(phone, 'tpyo');
    await upsertOf(client, first);
    await carol.edit(phone, first, 'typo');
    const edit = await client.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === first && !!x.update.message?.editedMessage));
    const e = edit.find((x) => x.key.id === first)!;
    expect(e.key).toMatchObject({ remoteJid: carol.jid, fromMe: false });
    expect(e.update.message?.editedMessage?.message?.conversation).toBe('typo');

    const second = await carol.sendText(phone, 'oops');
    await upsertOf(client, second);
    await carol.revoke(phone, second);
    const revoke = await client.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === second && x.update.messageStubType === 1));
    expect(revoke.find((x) => x.key.id === second)!.update.message).toBeNull();
  });

  it('sends delivered, read and played receipts for several messages at once (status 3, 4, 5)', async () => {
    const dave = sim.contact(nextPhone('1669'));
    const ids = [await sessionSends(dave.phoneNumber, 'one'), await sessionSends(dave.phoneNumber, 'two'), await sessionSends(dave.phoneNumber, 'three')];
    const statusOf = (status: number) =>
      client.waitForEvent('messages.update', (u) => ids.every((id) => u.some((x) => x.key.id === id && x.update.status === status)));
    for (const [type, status] of [['delivered', 3], ['read', 4], ['played', 5]] as const) {
      const seen = statusOf(status);
      expect(dave.sendReceipts(phone, ids, type)).toBe(1);
      const update = await seen;
      expect(update.filter((x) => ids.includes(x.key.id!)).every((x) => x.key.fromMe && x.key.remoteJid === dave.jid)).toBe(true);
    }
  });

  it('sends presence and chat states (presence.update)', async () => {
    const erin = sim.contact(nextPhone('1670'));
    // Baileys reports 'paused' as 'available'.
    for (const [presence, seen] of [['composing', 'composing'], ['recording', 'recording'], ['paused', 'available'], ['unavailable', 'unavailable']] as const) {
      const update = client.waitForEvent('presence.update', (p) => p.id === erin.jid && p.presences[erin.jid]?.lastKnownPresence === seen);
      erin.sendPresence(phone, presence);
      await update;
    }
  });

  it('replies (quoted context) and forwards', async () => {
    const frank = sim.contact(nextPhone('1671'));
    const target = await sessionSends(frank.phoneNumber, 'quote me');
    const replyId = await frank.send(phone, { text: 'quoted you', quotedMessageId: target });
    const reply = await upsertOf(client, replyId);
    const ctx = reply.message?.extendedTextMessage?.contextInfo;
    expect(reply.message?.extendedTextMessage?.text).toBe('quoted you');
    expect(ctx?.stanzaId).toBe(target);
    expect(ctx?.participant).toBe(`${phone}@s.whatsapp.net`);
    expect(ctx?.quotedMessage?.extendedTextMessage?.text ?? ctx?.quotedMessage?.conversation).toBe('quote me');
    const fwd = await upsertOf(client, await frank.send(phone, { text: 'passed on', forwarded: true }));
    expect(fwd.message?.extendedTextMessage?.contextInfo?.isForwarded).toBe(true);
  });

  it("decodes what the session sends into the contact's inbox: reply, forward, reaction, edit, revoke, receipts, chat states", async () => {
    const gina = sim.contact(nextPhone('1672'), { pushName: 'Gina' });
    const jid = gina.jid;
    const incomingId = await gina.sendText(phone, 'hi from gina');
    const incoming = await upsertOf(client, incomingId);
    // Baileys reuses the key objects it is given: keep the ids as strings.
    const original = (await client.sock.sendMessage(jid, { text: 'original' }))!.key;
    const originalId = original.id!;
    const reply = (await client.sock.sendMessage(jid, { text: 'a reply' }, { quoted: incoming }))!.key;
    const replyId = reply.id!;
    const forwardId = (await client.sock.sendMessage(jid, { forward: incoming }))!.key.id!;
    await client.sock.sendMessage(jid, { react: { text: '🔥', key: incoming.key } });
    await client.sock.sendMessage(jid, { text: 'original, edited', edit: original });
    await client.sock.sendMessage(jid, { delete: reply });
    await client.sock.readMessages([incoming.key]);
    await client.sock.sendPresenceUpdate('composing', jid);
    await sim.waitFor('receipt', (r) => r.type === 'read' && r.messageIds.includes(incomingId));
    const last = await sim.waitForSentMessage((m) => m.kind === 'revoke' && m.toPhoneNumber === gina.phoneNumber);
    expect(last.revoke).toEqual({ messageId: replyId });

    const inbox = sim.inboxOf(gina.phoneNumber, phone);
    const byId = (id: string | null | undefined) => inbox.messages.find((m) => m.id === id);
    expect(byId(originalId)).toMatchObject({ kind: 'text', text: 'original', forwarded: false, decryptedBy: expect.arrayContaining(['contact', 'phone']) });
    expect(byId(replyId)).toMatchObject({ kind: 'text', text: 'a reply', quotedId: incomingId });
    expect(byId(forwardId)).toMatchObject({ kind: 'text', text: 'hi from gina', forwarded: true });
    expect(inbox.messages.find((m) => m.kind === 'reaction')).toMatchObject({ stanzaType: 'reaction', reaction: { messageId: incomingId, emoji: '🔥' } });
    expect(inbox.messages.find((m) => m.kind === 'edit')).toMatchObject({ editAttr: '1', edit: { messageId: originalId, text: 'original, edited' } });
    expect(inbox.messages.find((m) => m.kind === 'revoke')).toMatchObject({ editAttr: '7', revoke: { messageId: replyId } });
    expect(inbox.receipts).toEqual(expect.arrayContaining([{ type: 'read', messageIds: [incomingId], at: expect.any(Number) }]));
    expect(inbox.receipts.some((r) => r.type === 'delivered' && r.messageIds.includes(incomingId))).toBe(true);
    // The chat state may still be in flight: wait for it through the inbox's own event source.
    await waitUntilPresence(sim, gina.phoneNumber, phone, 'composing');
  });
});

async function waitUntilPresence(sim: WhatsAppSimulator, contact: string, session: string, presence: string): Promise<void> {
  if (sim.inboxOf(contact, session).presence.some((p) => p.presence === presence)) return;
  await sim.waitFor('presence', (p) => p.to === contact && p.from === session && p.presence === presence);
}
