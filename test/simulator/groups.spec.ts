/**
 * Groups against the real Baileys: every w:g2 IQ it sends (the public call succeeds and the event
 * its w:gp2 notification brings carries the right fields), contact-made groups, invites, the
 * registry's persistence, and the dirty-groups path.
 */
import type { BaileysEventMap } from '@whiskeysockets/baileys';
import { WhatsAppSimulator, type SimContact } from '../../src/simulator/index.js';
import { connectAndWaitForOpen, nextPhone, pairAndOpen, type TestClient } from './helpers.js';

type GroupUpdates = BaileysEventMap['groups.update'];

describe('simulator groups: w:g2 IQs and w:gp2 notifications', () => {
  let sim: WhatsAppSimulator;
  let client: TestClient;
  const phone = nextPhone('1580');
  let alice: SimContact;
  let bob: SimContact;
  let carol: SimContact;
  let gid: string;

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50, media: false });
    ({ client } = await pairAndOpen(sim, { phoneNumber: phone }));
    alice = sim.contact(nextPhone('1581'), { pushName: 'Alice' });
    bob = sim.contact(nextPhone('1582'), { pushName: 'Bob' });
    carol = sim.contact(nextPhone('1583'), { pushName: 'Carol' });
  });
  afterAll(async () => {
    await client.end();
    await sim.stop();
  });

  const groupUpdate = (pred: (u: GroupUpdates[number]) => boolean): Promise<GroupUpdates> =>
    client.waitForEvent('groups.update', (list) => list.some((u) => u.id === gid && pred(u)));
  const participantsUpdate = (action: string, who: string): Promise<BaileysEventMap['group-participants.update']> =>
    client.waitForEvent('group-participants.update', (u) => u.id === gid && u.action === action && u.participants.some((p) => p.phoneNumber === `${who}@s.whatsapp.net` || p.id === `${who}@s.whatsapp.net`));

  it('groupCreate answers the metadata and the create notification brings groups.upsert', async () => {
    const meta = await client.sock.groupCreate('Team', [alice.jid, bob.jid]);
    gid = meta.id;
    expect(gid).toMatch(/^120363\d+@g\.us$/);
    expect(meta).toMatchObject({ subject: 'Team', addressingMode: 'lid', size: 3, ownerPn: `${phone}@s.whatsapp.net`, announce: false, restrict: false });
    expect(meta.participants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: alice.lidJid, phoneNumber: alice.jid, admin: null }),
        expect.objectContaining({ phoneNumber: `${phone}@s.whatsapp.net`, admin: 'superadmin' }),
      ]),
    );
    const upsert = await client.waitForEvent('groups.upsert', (list) => list.some((g) => g.id === gid));
    expect(upsert.find((g) => g.id === gid)).toMatchObject({ subject: 'Team', size: 3 });
  });

  it('groupMetadata and groupFetchAllParticipating (which emits groups.update with the metadata)', async () => {
    const meta = await client.sock.groupMetadata(gid);
    expect(meta.participants).toHaveLength(3);
    const all = await client.sock.groupFetchAllParticipating();
    expect(all[gid]).toMatchObject({ subject: 'Team', size: 3 });
    await groupUpdate((u) => u.subject === 'Team' && u.participants?.length === 3);
  });

  it('groupParticipantsUpdate: add, promote, demote and remove, with a code per participant', async () => {
    const added = participantsUpdate('add', carol.phoneNumber);
    const add = await client.sock.groupParticipantsUpdate(gid, [carol.jid, alice.jid], 'add');
    expect(add.map((r) => r.status)).toEqual(['200', '409']);
    expect((await added).author).toBeDefined();
    const promoted = participantsUpdate('promote', alice.phoneNumber);
    expect((await client.sock.groupParticipantsUpdate(gid, [alice.jid], 'promote'))[0]!.status).toBe('200');
    await promoted;
    const demoted = participantsUpdate('demote', alice.phoneNumber);
    await client.sock.groupParticipantsUpdate(gid, [alice.jid], 'demote');
    await demoted;
    const removed = participantsUpdate('remove', bob.phoneNumber);
    const remove = await client.sock.groupParticipantsUpdate(gid, [bob.jid, nextPhone('1589') + '@s.whatsapp.net'], 'remove');
    expect(remove.map((r) => r.status)).toEqual(['200', '404']);
    await removed;
    expect((await client.sock.groupMetadata(gid)).participants.map((p) => p.phoneNumber).sort()).toEqual([`${phone}@s.whatsapp.net`, alice.jid, carol.jid].sort());
  });

  it('subject, description, settings and ephemeral reach the session as groups.update / chats.update', async () => {
    const subject = groupUpdate((u) => u.subject === 'Team ✨');
    // The notification also arrives as a stub message (GROUP_CHANGE_SUBJECT = 21) with the subject.
    const stub = client.waitForEvent('messages.upsert', (u) => u.type === 'append' && u.messages.some((m) => m.key.remoteJid === gid && m.messageStubType === 21));
    await client.sock.groupUpdateSubject(gid, 'Team ✨');
    await subject;
    expect((await stub).messages.find((m) => m.messageStubType === 21)!.messageStubParameters).toEqual(['Team ✨']);
    const desc = groupUpdate((u) => u.desc === 'Our plans');
    await client.sock.groupUpdateDescription(gid, 'Our plans');
    await desc;
    expect((await client.sock.groupMetadata(gid)).desc).toBe('Our plans');
    const announce = groupUpdate((u) => u.announce === true);
    await client.sock.groupSettingUpdate(gid, 'announcement');
    await announce;
    const restrict = groupUpdate((u) => u.restrict === true);
    await client.sock.groupSettingUpdate(gid, 'locked');
    await restrict;
    const ephemeral = client.waitForEvent('chats.update', (list) => list.some((c) => c.id === gid && c.ephemeralExpiration === 86400));
    await client.sock.groupToggleEphemeral(gid, 86400);
    await ephemeral;
    const meta = await client.sock.groupMetadata(gid);
    expect(meta).toMatchObject({ subject: 'Team ✨', announce: true, restrict: true, ephemeralDuration: 86400 });
  });

  it('a change a member may not make is refused with 403', async () => {
    // Carol is not an admin of a locked group.
    expect(() => sim.groups.update(carol.phoneNumber, gid, { subject: 'mine' })).toThrow(/forbidden/);
    expect(() => sim.groups.participants(carol.phoneNumber, gid, 'remove', [alice.phoneNumber])).toThrow(/forbidden/);
  });

  it('invite code, revoke (groups.update inviteCode) and invite info', async () => {
    const code = await client.sock.groupInviteCode(gid);
    expect(code).toMatch(/^[\w-]{22}$/);
    const revoked = groupUpdate((u) => !!u.inviteCode && u.inviteCode !== code);
    const fresh = await client.sock.groupRevokeInvite(gid);
    expect(fresh).not.toBe(code);
    expect((await revoked).find((u) => u.id === gid)!.inviteCode).toBe(fresh);
    const info = await client.sock.groupGetInviteInfo(fresh!);
    expect(info).toMatchObject({ id: gid, subject: 'Team ✨' });
    await expect(client.sock.groupGetInviteInfo(code!)).rejects.toMatchObject({ data: 404 }); // Baileys keeps the WhatsApp code in data;
  });

  it("a contact's group with the session brings groups.upsert; groupAcceptInvite joins another", async () => {
    const made = sim.groups.create(alice.phoneNumber, 'Alice & friends', [bob.phoneNumber, phone]).group;
    const upsert = await client.waitForEvent('groups.upsert', (list) => list.some((g) => g.id === `${made.id}@g.us`));
    expect(upsert.find((g) => g.id === `${made.id}@g.us`)).toMatchObject({ subject: 'Alice & friends', ownerPn: alice.jid });
    const other = sim.groups.create(bob.phoneNumber, 'Bob only', [carol.phoneNumber]).group;
    const joined = client.waitForEvent('group-participants.update', (u) => u.id === `${other.id}@g.us` && u.action === 'add');
    expect(await client.sock.groupAcceptInvite(other.inviteCode)).toBe(`${other.id}@g.us`);
    await joined;
    expect((await client.sock.groupMetadata(`${other.id}@g.us`)).participants).toHaveLength(3);
  });

  it('groupLeave: the session leaves (group-participants.update remove) and can no longer read the group', async () => {
    const other = sim.groups.create(bob.phoneNumber, 'To leave', [phone]).group;
    const jid = `${other.id}@g.us`;
    await client.waitForEvent('groups.upsert', (list) => list.some((g) => g.id === jid));
    const left = client.waitForEvent('group-participants.update', (u) => u.id === jid && u.action === 'remove');
    await client.sock.groupLeave(jid);
    await left;
    await expect(client.sock.groupMetadata(jid)).rejects.toMatchObject({ data: 403 });
  });

  it('a pn-addressed group: PN participant ids with their LIDs, and messages both ways', async () => {
    const jid = `${sim.groups.create(alice.phoneNumber, 'PN group', [phone, bob.phoneNumber], { addressingMode: 'pn' }).group.id}@g.us`;
    await client.waitForEvent('groups.upsert', (list) => list.some((g) => g.id === jid));
    const meta = await client.sock.groupMetadata(jid);
    expect(meta.addressingMode).toBe('pn');
    expect(meta.participants).toContainEqual(expect.objectContaining({ id: alice.jid, lid: alice.lidJid, admin: 'superadmin' }));
    const id = await sim.groups.members.send(alice.phoneNumber, jid, { text: 'pn hello' });
    const upsert = await client.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id && !!m.message));
    expect(upsert.messages.find((m) => m.key.id === id)!.key).toMatchObject({ remoteJid: jid, participant: alice.jid });
    const decrypted = sim.waitFor('groupMessage', (m) => m.group === jid);
    await client.sock.sendMessage(jid, { text: 'pn answer' });
    expect((await decrypted).decryptedBy.sort()).toEqual([alice.phoneNumber, bob.phoneNumber].sort());
  });

  it('keeps the groups in saveDevices() and pushes the dirty bit to a device that missed a change', async () => {
    const state = sim.saveDevices();
    expect(state.groups?.find((g) => `${g.id}@g.us` === gid)).toMatchObject({ subject: 'Team ✨', locked: true });
    const auth = client.auth;
    await client.end();
    // The account's phone changes it while the companion is away.
    sim.groups.update(phone, gid, { description: 'changed while away' });
    client = await connectAndWaitForOpen(sim.url, auth);
    // The dirty bit makes Baileys re-fetch every group: groups.update with the full metadata.
    const update = await client.waitForEvent('groups.update', (list) => list.some((u) => u.id === gid && u.desc === 'changed while away'));
    expect(update.find((u) => u.id === gid)).toMatchObject({ subject: 'Team ✨' });
    const restarted = await WhatsAppSimulator.start({ devices: state, media: false });
    try {
      expect(restarted.groups.get(gid)?.participants).toHaveLength(3);
    } finally {
      await restarted.stop();
    }
  });
});
