/**
 * Every message kind both ways on a raw Baileys session: locations, live locations, contact cards
 * and arrays, polls (V3 with a secret) and encrypted votes, texts with a link preview, events. What
 * the contact sends arrives in `messages.upsert`; what the session sends is decoded in the inbox.
 */
import { hkdfSync, randomBytes, createCipheriv, createHash } from 'node:crypto';
import { decryptPollVote, getAggregateVotesInPollMessage, proto, updateMessageWithPollUpdate, type WAMessage } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { nextPhone, pairAndOpen, type TestClient } from './helpers.js';

const upsertOf = (client: TestClient, id: string): Promise<WAMessage> =>
  client.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id)).then((u) => u.messages.find((m) => m.key.id === id)!);

/** A vote encrypted the way WA-PROTOCOL-3 §8c describes it, with node's HKDF (independent of the simulator's code). */
function voteWithHkdf(secret: Uint8Array, pollMsgId: string, creator: string, voter: string, options: string[]): proto.Message.IPollEncValue {
  const info = Buffer.concat([Buffer.from(pollMsgId), Buffer.from(creator), Buffer.from(voter), Buffer.from('Poll Vote')]);
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(32), info, 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${pollMsgId}\u0000${voter}`));
  const plain = proto.Message.PollVoteMessage.encode({ selectedOptions: options.map((o) => createHash('sha256').update(o).digest()) }).finish();
  return { encPayload: Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]), encIv: iv };
}

describe('simulator: every message kind both ways', () => {
  let sim: WhatsAppSimulator;
  let client: TestClient;
  const phone = nextPhone();
  const me = `${phone}@s.whatsapp.net`;

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50, media: false });
    ({ client } = await pairAndOpen(sim, { phoneNumber: phone }));
  });
  afterAll(async () => {
    await client.end();
    await sim.stop();
  });

  it('a contact sends a location, a live location, a card, a card array, a link preview and an event', async () => {
    const ana = sim.contact(nextPhone('1666'), { pushName: 'Ana' });
    const loc = await upsertOf(client, await ana.send(phone, { location: { latitude: -34.6, longitude: -58.38, name: 'Obelisco', address: 'Av. 9 de Julio' } }));
    expect(loc.message?.locationMessage).toMatchObject({ degreesLatitude: -34.6, degreesLongitude: -58.38, name: 'Obelisco', address: 'Av. 9 de Julio' });
    const live = await upsertOf(client, await ana.send(phone, { location: { latitude: 1.5, longitude: 2.5, live: true } }));
    expect(live.message?.liveLocationMessage).toMatchObject({ degreesLatitude: 1.5, degreesLongitude: 2.5 });

    const card = await upsertOf(client, await ana.send(phone, { contacts: [{ phone: '5491100001111', displayName: 'Beto' }] }));
    expect(card.message?.contactMessage?.displayName).toBe('Beto');
    expect(card.message?.contactMessage?.vcard).toContain('TEL;type=CELL;waid=5491100001111:+5491100001111');
    const cards = await upsertOf(client, await ana.send(phone, { contacts: [{ phone: '5491100001111' }, { vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Caro\nEND:VCARD' }] }));
    expect(cards.message?.contactsArrayMessage?.contacts?.map((c) => c.displayName)).toEqual(['+5491100001111', 'Caro']);

    const link = await upsertOf(client, await ana.send(phone, { text: 'look https://example.com/a', linkPreview: { url: 'https://example.com/a', title: 'Example', description: 'An example' } }));
    expect(link.message?.extendedTextMessage).toMatchObject({ text: 'look https://example.com/a', matchedText: 'https://example.com/a', title: 'Example', description: 'An example' });

    const startAt = Date.UTC(2030, 0, 2, 15, 0, 0);
    const event = await upsertOf(client, await ana.send(phone, { event: { name: 'Launch', description: 'Party', startAt } }));
    expect(event.message?.eventMessage).toMatchObject({ name: 'Launch', description: 'Party' });
    expect(Number(event.message?.eventMessage?.startTime)).toBe(startAt / 1000);
    expect(event.message?.messageContextInfo?.messageSecret?.length).toBe(32);
  });

  it("a contact's poll (V3 with a secret) and its vote, which Baileys decrypts", async () => {
    const bea = sim.contact(nextPhone('1667'));
    const pollId = await bea.send(phone, { poll: { name: 'Lunch?', options: ['Pizza', 'Sushi', 'Tacos'], selectableCount: 1 } });
    const poll = await upsertOf(client, pollId);
    expect(poll.message?.pollCreationMessageV3).toMatchObject({ name: 'Lunch?', selectableOptionsCount: 1 });
    expect(poll.message?.pollCreationMessageV3?.options?.map((o) => o.optionName)).toEqual(['Pizza', 'Sushi', 'Tacos']);
    const secret = poll.message!.messageContextInfo!.messageSecret!;
    expect(secret.length).toBe(32);

    const vote = await upsertOf(client, await bea.vote(phone, pollId, ['Sushi']));
    const update = vote.message!.pollUpdateMessage!;
    expect(update.pollCreationMessageKey).toMatchObject({ id: pollId, remoteJid: bea.jid, fromMe: false });
    const decrypted = decryptPollVote(update.vote!, { pollEncKey: secret, pollCreatorJid: bea.jid, pollMsgId: pollId, voterJid: bea.jid });
    expect(decrypted.selectedOptions.map((h) => Buffer.from(h).toString('hex'))).toEqual([createHash('sha256').update('Sushi').digest('hex')]);
  });

  it("a contact votes on the session's poll; Baileys aggregates the decrypted vote", async () => {
    const caro = sim.contact(nextPhone('1668'));
    const sent = await client.sock.sendMessage(caro.jid, { poll: { name: 'When?', values: ['Mon', 'Tue'], selectableCount: 1 } });
    const pollId = sent!.key.id!;
    await sim.waitForSentMessage((m) => m.id === pollId && m.decryptedBy.includes('contact'));
    const voteId = await caro.vote(phone, pollId, ['Tue']);
    const vote = await upsertOf(client, voteId);
    const update = vote.message!.pollUpdateMessage!;
    expect(update.pollCreationMessageKey).toMatchObject({ id: pollId, fromMe: true });
    const secret = sent!.message!.messageContextInfo!.messageSecret!;
    const decrypted = decryptPollVote(update.vote!, { pollEncKey: secret, pollCreatorJid: me, pollMsgId: pollId, voterJid: caro.jid });
    const pollMessage: Pick<WAMessage, 'message' | 'pollUpdates'> = { message: sent!.message };
    updateMessageWithPollUpdate(pollMessage, { pollUpdateMessageKey: vote.key, vote: decrypted, senderTimestampMs: Number(update.senderTimestampMs) });
    const tally = getAggregateVotesInPollMessage(pollMessage, me);
    expect(tally.find((o) => o.name === 'Tue')?.voters).toHaveLength(1);
    expect(tally.find((o) => o.name === 'Mon')?.voters).toHaveLength(0);
  });

  it("the session's location, cards, poll, event, link preview and vote are decoded in the contact's inbox", async () => {
    const dani = sim.contact(nextPhone('1669'));
    const send = async (content: Parameters<typeof client.sock.sendMessage>[1]): Promise<string> => {
      const sent = await client.sock.sendMessage(dani.jid, content);
      const id = sent!.key.id!;
      await sim.waitForSentMessage((m) => m.id === id && m.decryptedBy.includes('contact'));
      return id;
    };
    await send({ location: { degreesLatitude: 10.5, degreesLongitude: -20.25, name: 'Here', address: 'Street 1' } });
    await send({ contacts: { displayName: 'Eva', contacts: [{ displayName: 'Eva', vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Eva\nTEL;type=CELL;waid=5491122223333:+5491122223333\nEND:VCARD' }] } });
    await send({ contacts: { displayName: '2 contacts', contacts: [{ displayName: 'A', vcard: 'BEGIN:VCARD\nFN:A\nEND:VCARD' }, { displayName: 'B', vcard: 'BEGIN:VCARD\nFN:B\nEND:VCARD' }] } });
    const pollId = await send({ poll: { name: 'Color?', values: ['Red', 'Blue', 'Green'], selectableCount: 2 } });
    await send({ event: { name: 'Meetup', description: 'Bring snacks', startDate: new Date(Date.UTC(2031, 5, 1)) } });
    await send({ text: 'see https://example.org/x', linkPreview: { 'matched-text': 'https://example.org/x', 'canonical-url': 'https://example.org/x', title: 'X page', description: 'About X', originalThumbnailUrl: undefined } });

    // The contact's own poll, and the session's vote on it (built as a phone does: HKDF, AES-GCM).
    const ownPoll = await dani.send(phone, { poll: { name: 'Tea or coffee?', options: ['Tea', 'Coffee'] } });
    const theirPoll = await upsertOf(client, ownPoll);
    const vote = voteWithHkdf(theirPoll.message!.messageContextInfo!.messageSecret!, ownPoll, dani.jid, me, ['Coffee']);
    const voteMsg = proto.Message.fromObject({ pollUpdateMessage: { pollCreationMessageKey: { remoteJid: dani.jid, fromMe: false, id: ownPoll }, vote, senderTimestampMs: Date.now() } });
    const voteId = await client.sock.relayMessage(dani.jid, voteMsg, {});
    await sim.waitForSentMessage((m) => m.id === voteId && m.decryptedBy.includes('contact'));

    const inbox = sim.inboxOf(dani.phoneNumber, phone);
    const byKind = (kind: string) => inbox.messages.filter((m) => m.kind === kind);
    expect(byKind('location')[0]!.location).toEqual({ latitude: 10.5, longitude: -20.25, name: 'Here', address: 'Street 1', live: false });
    expect(byKind('contacts').map((m) => m.contacts!.map((c) => c.displayName))).toEqual([['Eva'], ['A', 'B']]);
    expect(byKind('contacts')[0]!.contacts![0]!.vcard).toContain('waid=5491122223333');
    expect(inbox.messages.find((m) => m.id === pollId)!.poll).toEqual({ name: 'Color?', options: ['Red', 'Blue', 'Green'], selectableCount: 2, version: 1 });
    expect(byKind('event')[0]!.event).toEqual({ name: 'Meetup', description: 'Bring snacks', startAt: Date.UTC(2031, 5, 1) });
    expect(inbox.messages.find((m) => m.linkPreview)!).toMatchObject({ kind: 'text', text: 'see https://example.org/x', linkPreview: { url: 'https://example.org/x', title: 'X page', description: 'About X' } });
    expect(inbox.messages.find((m) => m.id === voteId)!).toMatchObject({ kind: 'vote', vote: { pollMessageId: ownPoll, options: ['Coffee'] } });
  });
});
