/**
 * The account's own queries on raw Baileys sessions (two devices of one account): number checks,
 * profile pictures and about texts, push name, blocklist, presence subscriptions, chat
 * modifications across devices, and calls (offer, reject, timeout).
 */
import sharp from 'sharp';
import { WhatsAppSimulator } from '../../src/simulator/index.js';
import { nextPhone, pairAndOpen, type TestClient } from './helpers.js';

describe('simulator: number checks, profiles, blocklist, presence, chat modifications, calls', () => {
  let sim: WhatsAppSimulator;
  let a: TestClient;
  let b: TestClient;
  const phone = nextPhone();
  const me = `${phone}@s.whatsapp.net`;

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50 });
    ({ client: a } = await pairAndOpen(sim, { phoneNumber: phone }));
    ({ client: b } = await pairAndOpen(sim, { phoneNumber: phone }));
  });
  afterAll(async () => {
    await a.end();
    await b.end();
    await sim.stop();
  });

  it('onWhatsApp: declared contacts and accounts exist, any other number does not', async () => {
    const known = sim.declareContact(nextPhone('1666'), { pushName: 'Known' });
    const stranger = nextPhone('1999');
    const result = await a.sock.onWhatsApp(known.phoneNumber, phone, stranger);
    expect(result).toEqual(expect.arrayContaining([{ jid: known.jid, exists: true }, { jid: me, exists: true }]));
    expect(result!.some((r) => r.jid.startsWith(stranger))).toBe(false);
    // The check created nothing: still not on WhatsApp.
    expect(await a.sock.onWhatsApp(stranger)).toEqual([]);
  });

  it("profile pictures: a contact's, and the account's own set and removed (the other device is told)", async () => {
    const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#36c' } }).jpeg().toBuffer();
    const pic = sim.declareContact(nextPhone('1667'), { picture: jpeg });
    const bare = sim.declareContact(nextPhone('1668'));
    expect(await a.sock.profilePictureUrl(pic.jid, 'image')).toBe(sim.profileOf(pic.phoneNumber).picture!.url);
    await expect(a.sock.profilePictureUrl(bare.jid)).rejects.toMatchObject({ data: 404 });

    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c33' } }).png().toBuffer();
    const told = b.waitForEvent('contacts.update', (u) => u.some((c) => c.id === me && c.imgUrl === 'changed'));
    await a.sock.updateProfilePicture(me, png);
    await told;
    const own = sim.profileOf(phone).picture!;
    expect(own.size).toBeGreaterThan(0);
    expect(await b.sock.profilePictureUrl(me)).toBe(own.url);
    const removed = b.waitForEvent('contacts.update', (u) => u.some((c) => c.id === me && c.imgUrl === 'removed'));
    await a.sock.removeProfilePicture(me);
    await removed;
    expect(sim.profileOf(phone).picture).toBeUndefined();
    await expect(a.sock.profilePictureUrl(me)).rejects.toMatchObject({ data: 404 });
  });

  it('about texts (fetchStatus, updateProfileStatus) and the push name (updateProfileName)', async () => {
    const c = sim.declareContact(nextPhone('1669'), { about: 'At the gym' });
    const [status] = (await a.sock.fetchStatus(c.jid)) as { id: string; status: { status: string; setAt: Date } }[];
    expect(status).toMatchObject({ id: c.jid, status: { status: 'At the gym' } });
    await a.sock.updateProfileStatus('Busy building');
    expect(sim.profileOf(phone).about).toBe('Busy building');
    const [mine] = (await b.sock.fetchStatus(me)) as unknown as { status: { status: string } }[];
    expect(mine!.status.status).toBe('Busy building');

    const recorded = sim.waitFor('appState', (m) => m.phoneNumber === phone && m.source === 'session' && JSON.stringify(m.value).includes('Nueva'));
    const named = a.waitForEvent('creds.update', (u) => u.me?.name === 'Nueva');
    await a.sock.updateProfileName('Nueva');
    await Promise.all([named, recorded]);
    expect(sim.pairedDevices(phone)[0]!.pushName).toBe('Nueva');
  });

  it('blocklist: block and unblock reach every device (blocklist.update), fetchBlocklist lists them', async () => {
    const pest = sim.declareContact(nextPhone('1670'));
    expect(await a.sock.fetchBlocklist()).toEqual([]);
    const added = b.waitForEvent('blocklist.update', (u) => u.type === 'add' && u.blocklist.includes(pest.lidJid));
    await a.sock.updateBlockStatus(pest.jid, 'block');
    await added;
    expect(await b.sock.fetchBlocklist()).toEqual([pest.lidJid]);
    const dropped = sim.waitFor('inboundBlocked', (e) => e.from === pest.phoneNumber && e.to === phone);
    const blockedId = await pest.sendText(phone, 'you blocked me');
    expect((await dropped).id).toBe(blockedId);
    const removed = a.waitForEvent('blocklist.update', (u) => u.type === 'remove' && u.blocklist.includes(pest.lidJid));
    await a.sock.updateBlockStatus(pest.jid, 'unblock');
    await removed;
    expect(sim.blocklistOf(phone)).toEqual([]);
    const afterId = await pest.sendText(phone, 'hello again');
    await a.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === afterId));
    expect(a.events('messages.upsert').some((u) => u.messages.some((m) => m.key.id === blockedId))).toBe(false);
  });

  it("presenceSubscribe: answered with the contact's last presence, then its changes flow", async () => {
    const friend = sim.declareContact(nextPhone('1671'));
    const first = a.waitForEvent('presence.update', (u) => u.id === friend.jid && u.presences[friend.jid]?.lastKnownPresence === 'unavailable');
    await a.sock.presenceSubscribe(friend.jid);
    await first;
    const online = a.waitForEvent('presence.update', (u) => u.id === friend.jid && u.presences[friend.jid]?.lastKnownPresence === 'available');
    friend.sendPresence(phone, 'available');
    await online;
    const again = b.waitForEvent('presence.update', (u) => u.id === friend.jid && u.presences[friend.jid]?.lastKnownPresence === 'available');
    await b.sock.presenceSubscribe(friend.jid);
    await again;
  });

  it("chat modifications from one device reach the other (archive, pin, mute, mark unread, delete), and the phone's delete", async () => {
    const pal = sim.declareContact(nextPhone('1672'));
    const id = await pal.sendText(phone, 'hello');
    const msg = await a.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id)).then((u) => u.messages.find((m) => m.key.id === id)!);
    const lastMessages = [{ key: msg.key, messageTimestamp: msg.messageTimestamp }];
    const update = (check: (c: { id?: string | null } & Record<string, unknown>) => boolean) =>
      b.waitForEvent('chats.update', (u) => u.some((c) => c.id === pal.jid && check(c as never)));

    let seen = update((c) => c.archived === true);
    await a.sock.chatModify({ archive: true, lastMessages }, pal.jid);
    await seen;
    seen = update((c) => typeof c.pinned === 'number');
    await a.sock.chatModify({ pin: true }, pal.jid);
    await seen;
    const until = Date.now() + 3_600_000;
    seen = update((c) => c.muteEndTime === until);
    await a.sock.chatModify({ mute: until }, pal.jid);
    await seen;
    seen = update((c) => c.unreadCount === -1);
    await a.sock.chatModify({ markRead: false, lastMessages }, pal.jid);
    await seen;
    const deleted = b.waitForEvent('chats.delete', (ids) => ids.includes(pal.jid));
    await a.sock.chatModify({ delete: true, lastMessages }, pal.jid);
    await deleted;

    const other = sim.declareContact(nextPhone('1673'));
    const phoneDeleted = a.waitForEvent('chats.delete', (ids) => ids.includes(other.jid));
    await sim.setAppState(phone, { deleteChat: [{ jid: other.jid }] });
    await phoneDeleted;
  });

  it('calls: an offer reaches both devices, rejectCall ends it for the caller; an unanswered call times out', async () => {
    const caller = sim.declareContact(nextPhone('1674'), { pushName: 'Caller' });
    const offeredA = a.waitForEvent('call', (calls) => calls.some((c) => c.from === caller.jid && c.status === 'offer'));
    const offeredB = b.waitForEvent('call', (calls) => calls.some((c) => c.from === caller.jid && c.status === 'offer'));
    const callId = sim.offerCall(caller.phoneNumber, phone, { video: true });
    const offer = (await offeredA).find((c) => c.id === callId)!;
    expect(offer).toMatchObject({ id: callId, from: caller.jid, chatId: caller.jid, isVideo: true, isGroup: false, status: 'offer' });
    await offeredB;
    const stopped = b.waitForEvent('call', (calls) => calls.some((c) => c.id === callId && c.status === 'terminate'));
    await a.sock.rejectCall(callId, caller.jid);
    await stopped;
    expect(sim.callsOf(caller.phoneNumber)).toEqual([expect.objectContaining({ callId, status: 'rejected', isVideo: true, to: phone })]);

    const timedOut = a.waitForEvent('call', (calls) => calls.some((c) => c.from === caller.jid && c.status === 'timeout'));
    const missed = sim.offerCall(caller.phoneNumber, phone, { ringMs: 300 });
    expect((await timedOut).find((c) => c.id === missed)).toMatchObject({ isVideo: false });
    await a.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === missed && m.messageStubType === 40));
    expect(sim.callsOf(caller.phoneNumber).map((c) => c.status)).toEqual(['rejected', 'timeout']);
  });
});
