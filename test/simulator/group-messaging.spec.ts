/**
 * Group messages with sender keys against the real Baileys, both ways: simulated members send the
 * SKDM first then skmsg only; the session's sends are decrypted by every member (a member added
 * later gets the SKDM); mentions; per-participant receipts both ways; edits, revokes, reactions.
 */
import type { WAMessage } from '@whiskeysockets/baileys';
import { WhatsAppSimulator, type SimContact } from '../../src/simulator/index.js';
import { connectAndWaitForOpen, nextPhone, pairAndOpen, type TestClient } from './helpers.js';

describe('simulator groups: messages with sender keys', () => {
  let sim: WhatsAppSimulator;
  let client: TestClient;
  const phone = nextPhone('1590');
  let alice: SimContact;
  let bob: SimContact;
  let carol: SimContact;
  let dave: SimContact;
  let gid: string;

  const upsertOf = (id: string): Promise<WAMessage> =>
    client.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id && !!m.message)).then((u) => u.messages.find((m) => m.key.id === id)!);

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ autoReceipts: { deliveredAfterMs: 20, readAfterMs: 40 }, initialPreKeyCount: 50, media: false });
    ({ client } = await pairAndOpen(sim, { phoneNumber: phone }));
    alice = sim.contact(nextPhone('1591'), { pushName: 'Alice' });
    bob = sim.contact(nextPhone('1592'), { pushName: 'Bob' });
    carol = sim.contact(nextPhone('1593'), { pushName: 'Carol' });
    dave = sim.contact(nextPhone('1594'), { pushName: 'Dave' });
    gid = `${sim.groups.create(alice.phoneNumber, 'Sender keys', [bob.phoneNumber, carol.phoneNumber, phone]).group.id}@g.us`;
    await client.waitForEvent('groups.upsert', (list) => list.some((g) => g.id === gid));
  });
  afterAll(async () => {
    await client.end();
    await sim.stop();
  });

  it('a member writes with its SKDM first, then skmsg only; mentions arrive; the session receipt reaches the member', async () => {
    const first = sim.waitFor('groupInbound', (e) => e.from === alice.phoneNumber);
    const id = await sim.groups.members.send(alice.phoneNumber, gid, { text: 'hello @me', mentions: [phone] });
    expect((await first).skdmTo).toEqual([`${phone}:1`]);
    const msg = await upsertOf(id);
    expect(msg.key).toMatchObject({ remoteJid: gid, fromMe: false, participant: alice.lidJid });
    expect(msg.message?.extendedTextMessage?.text).toBe('hello @me');
    expect(msg.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([`${sim.pairedDevices(phone)[0]!.lid}@lid`]);
    expect(msg.pushName).toBe('Alice');

    const second = sim.waitFor('groupInbound', (e) => e.from === alice.phoneNumber && e.id !== id);
    const id2 = await sim.groups.members.send(alice.phoneNumber, gid, { text: 'again' });
    expect((await second).skdmTo).toEqual([]);
    expect((await upsertOf(id2)).message?.conversation).toBe('again');

    const read = sim.waitFor('receipt', (r) => r.to === gid && r.type === 'read' && r.messageIds.includes(id));
    await client.sock.readMessages([msg.key]);
    await read;
    expect(sim.groups.messages.inbox(gid, alice.phoneNumber).receipts).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'read', messageIds: [id], by: phone })]));
  });

  it("the session's group message is decrypted by every member (SKDM fan-out) and each member's receipt arrives", async () => {
    const decrypted = sim.waitFor('groupMessage', (m) => m.text === 'hi all');
    const receipts = new Set<string>();
    const allRead = client.waitForEvent('message-receipt.update', (list) => {
      for (const r of list) if (r.receipt.readTimestamp) receipts.add(r.receipt.userJid!);
      return receipts.size === 3;
    });
    const sent = await client.sock.sendMessage(gid, { text: 'hi all', mentions: [bob.jid] });
    const m = await decrypted;
    expect(m.id).toBe(sent!.key.id);
    expect(m.decryptedBy.sort()).toEqual([alice.phoneNumber, bob.phoneNumber, carol.phoneNumber].sort());
    expect(m.mentions).toEqual([bob.phoneNumber]);
    expect(m.from).toBe(phone);
    await allRead;
    expect([...receipts].sort()).toEqual([alice.lidJid, bob.lidJid, carol.lidJid].sort());
    const inbox = sim.groups.messages.inbox(gid, carol.phoneNumber);
    expect(inbox.messages.map((x) => x.text)).toContain('hi all');
    expect(inbox.receiptsSent.map((r) => r.type)).toEqual(['delivered', 'read']);
  });

  it('a member added later gets the SKDM both ways', async () => {
    const added = client.waitForEvent('group-participants.update', (u) => u.id === gid && u.action === 'add');
    sim.groups.participants(alice.phoneNumber, gid, 'add', [dave.phoneNumber]);
    await added;
    const decrypted = sim.waitFor('groupMessage', (m) => m.text === 'welcome dave');
    await client.sock.sendMessage(gid, { text: 'welcome dave' });
    expect((await decrypted).decryptedBy).toContain(dave.phoneNumber);
    const inbound = sim.waitFor('groupInbound', (e) => e.from === dave.phoneNumber);
    const id = await sim.groups.members.send(dave.phoneNumber, gid, { text: 'thanks' });
    expect((await inbound).skdmTo).toEqual([`${phone}:1`]);
    expect((await upsertOf(id)).key.participant).toBe(dave.lidJid);
  });

  it('edits, revokes and reactions inside the group, both ways', async () => {
    const bobId = await sim.groups.members.send(bob.phoneNumber, gid, { text: 'tpyo' });
    const bobMsg = await upsertOf(bobId);
    await sim.groups.members.edit(bob.phoneNumber, gid, bobId, 'typo');
    const edit = await client.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === bobId && !!x.update.message?.editedMessage));
    expect(edit.find((x) => x.key.id === bobId)!.update.message?.editedMessage?.message?.conversation).toBe('typo');
    await sim.groups.members.revoke(bob.phoneNumber, gid, bobId);
    await client.waitForEvent('messages.update', (u) => u.some((x) => x.key.id === bobId && x.update.messageStubType === 1));

    const sent = await client.sock.sendMessage(gid, { text: 'react here' });
    await sim.waitFor('groupMessage', (m) => m.id === sent!.key.id);
    await sim.groups.members.react(carol.phoneNumber, gid, sent!.key.id!, phone, '👍');
    const reaction = await client.waitForEvent('messages.reaction', (r) => r.some((x) => x.key.id === sent!.key.id));
    expect(reaction.find((x) => x.key.id === sent!.key.id)!.reaction.text).toBe('👍');

    const reacted = sim.waitFor('groupMessage', (m) => m.kind === 'reaction');
    await client.sock.sendMessage(gid, { react: { key: bobMsg.key, text: '❤️' } });
    expect((await reacted).reaction).toEqual({ messageId: bobId, emoji: '❤️' });
    const edited = sim.waitFor('groupMessage', (m) => m.kind === 'edit');
    await client.sock.sendMessage(gid, { text: 'react here!', edit: sent!.key });
    expect((await edited).edit).toEqual({ messageId: sent!.key.id, text: 'react here!' });
    const revoked = sim.waitFor('groupMessage', (m) => m.kind === 'revoke');
    await client.sock.sendMessage(gid, { delete: sent!.key });
    expect((await revoked).revoke).toEqual({ messageId: sent!.key.id });
    expect(sim.groups.messages.inbox(gid, alice.phoneNumber).messages.map((m) => m.kind)).toEqual(expect.arrayContaining(['text', 'reaction', 'edit', 'revoke']));
  });

  it('a skmsg the session cannot decrypt: its retry receipt brings the SKDM again and a fresh copy', async () => {
    sim.groups.messages.garbleNext(bob.phoneNumber);
    const resent = sim.waitFor('groupInbound', (e) => e.from === bob.phoneNumber && e.skdmTo.length > 0);
    const id = await sim.groups.members.send(bob.phoneNumber, gid, { text: 'second try' });
    expect((await resent).id).toBe(id);
    expect((await upsertOf(id)).message?.conversation).toBe('second try');
  });

  it('an announcement group refuses a non-admin member', async () => {
    sim.groups.update(alice.phoneNumber, gid, { announce: true });
    await expect(sim.groups.members.send(bob.phoneNumber, gid, { text: 'no' })).rejects.toThrow(/not-authorized/);
    sim.groups.update(alice.phoneNumber, gid, { announce: false });
  });

  it('after a simulator restart (saved state), members still decrypt the session and write to it', async () => {
    const state = sim.saveDevices();
    const auth = client.auth;
    await client.end();
    await sim.stop();
    sim = await WhatsAppSimulator.start({ devices: state, autoReceipts: false, initialPreKeyCount: 50, media: false });
    client = await connectAndWaitForOpen(sim.url, auth);
    const decrypted = sim.waitFor('groupMessage', (m) => m.text === 'still here');
    await client.sock.sendMessage(gid, { text: 'still here' });
    expect((await decrypted).decryptedBy.sort()).toEqual([alice.phoneNumber, bob.phoneNumber, carol.phoneNumber, dave.phoneNumber].sort());
    const id = await sim.groups.members.send(carol.phoneNumber, gid, { text: 'me too' });
    expect((await upsertOf(id)).message?.conversation).toBe('me too');
  });
});
