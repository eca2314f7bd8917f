/**
 * Group messages with sender keys (WA-PROTOCOL-3 §2), both ways.
 *
 * Member → session: a simulated member encrypts the message once with its own sender key
 * (`skmsg`); each device of a member account that has not had the member's key yet first gets the
 * SenderKeyDistributionMessage 1:1 (`pkmsg`/`msg`, in the same stanza, before the `skmsg`, as
 * WhatsApp does), so a member added later, or a newly paired device, gets it on the next message.
 * A retry receipt from a device forgets that it has the key (and the 1:1 session) and re-sends.
 *
 * Session → group: every `<participants><to>` copy is decrypted by its member (a contact, or an
 * account's phone), whose SKDM is processed into that member's sender-key store; the `skmsg` is then
 * decrypted by every simulated member, recorded in its group inbox, acked, and (autoReceipts) each
 * member answers with its own delivered / read receipt (`participant` = the member).
 */
import { BufferJSON, encodeWAMessage, proto, unpadRandomMax16 } from '@whiskeysockets/baileys';
import { GroupCipher, GroupSessionBuilder, SenderKeyDistributionMessage, SenderKeyName, SenderKeyRecord } from '@whiskeysockets/baileys/lib/Signal/Group/index.js';
import { bytes, child, childrenByTag, node, unixSeconds, type BinaryNode } from '../binary.js';
import type { SimConnection } from '../connection.js';
import type { SimContact } from '../contacts.js';
import type { SimulatorCore } from '../core.js';
import { decodeSent, type SentDecoded } from '../inbox.js';
import { deviceAddress, newMessageId, textOf, type Messaging } from '../messaging.js';
import { deviceKey, type AccountRecord } from '../registry.js';
import type { SessionReceipt } from '../types.js';
import { GroupMessageLog } from './group-history.js';
import { GroupError, type SimGroups } from './group-service.js';
import { gidJid, isAdmin, isMember, lidJid, memberJid, pnJid, type GroupRecord } from './group-store.js';

export type GroupReceiptType = 'delivered' | 'read' | 'played';

/** A message a member's phone decrypted from the group (the sessions' messages). */
export interface GroupInboxMessage extends Partial<SentDecoded> {
  id: string;
  kind: SentDecoded['kind'];
  /** Phone number of the sender (a session's account). */
  from: string;
  text?: string;
  /** Phone numbers mentioned. */
  mentions: string[];
  timestamp: number;
}

export interface GroupInboxReceipt {
  type: GroupReceiptType;
  messageIds: string[];
  /** Who sent the receipt (a phone number). */
  by: string;
  at: number;
}

/** What one member's phone saw in one group. */
export interface GroupInbox {
  messages: GroupInboxMessage[];
  /** Receipts sessions sent for this member's messages. */
  receipts: GroupInboxReceipt[];
  /** Receipts this member sent for the sessions' messages. */
  receiptsSent: GroupInboxReceipt[];
}

export interface MemberSendOptions {
  id?: string;
  stanzaType?: 'text' | 'media' | 'reaction';
  edit?: string;
  mediatype?: string;
}

const MAX_INBOX = 500;
const MAX_REMEMBERED = 5_000;
const RECEIPT_TYPES: Record<string, GroupReceiptType | undefined> = { '': 'delivered', inactive: 'delivered', read: 'read', 'read-self': 'read', played: 'played' };

interface SentByMember {
  group: string;
  from: string;
  message: proto.IMessage;
  opts: MemberSendOptions;
}

export class GroupMessaging {
  /** `${holderPhone}|${senderKeyName}` → record. */
  private readonly senderKeys = new Map<string, SenderKeyRecord>();
  /** `${gid}|${memberPhone}|${phone:device}`: the device has the member's sender key. */
  private readonly keyHolders = new Set<string>();
  private readonly inboxes = new Map<string, GroupInbox>();
  private readonly byMember = new Map<string, SentByMember>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Member phone → how many of its next group messages arrive with their skmsg garbled. */
  private readonly garbles = new Map<string, number>();
  /** What was said in each group (the members' phones' history for a new companion). */
  readonly log = new GroupMessageLog();

  constructor(
    private readonly core: SimulatorCore,
    private readonly groups: SimGroups,
    private readonly messaging: Messaging,
  ) {
    core.events.on('receipt', (r) => this.onSessionReceipt(r));
    // Saved with the devices: members keep the keys they hold across a simulator restart.
    core.registry.senderKeysSource = () => {
      const out: Record<string, string> = { ...core.registry.senderKeys };
      for (const [key, record] of this.senderKeys) out[key] = JSON.stringify(record.serialize(), BufferJSON.replacer);
      return out;
    };
  }

  private loadKey(key: string): SenderKeyRecord {
    let record = this.senderKeys.get(key);
    const saved = record ? undefined : this.core.registry.senderKeys[key];
    if (saved) this.senderKeys.set(key, (record = SenderKeyRecord.deserialize(Buffer.from(saved, 'utf8'))));
    return record ?? new SenderKeyRecord();
  }

  private store(holder: string) {
    return {
      loadSenderKey: async (name: SenderKeyName) => this.loadKey(`${holder}|${name.toString()}`),
      storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => {
        this.senderKeys.set(`${holder}|${name.toString()}`, record);
      },
    };
  }

  // ---------------------------------------------------------------- member → session

  /**
   * The member's next `count` group messages arrive with their skmsg changed on the way: the
   * session cannot decrypt them and sends a retry receipt, which the member answers with its SKDM
   * again and a fresh copy (same id).
   */
  garbleNext(memberPhone: string, count = 1): void {
    this.garbles.set(memberPhone, (this.garbles.get(memberPhone) ?? 0) + count);
  }

  private takeGarble(memberPhone: string): boolean {
    const left = this.garbles.get(memberPhone) ?? 0;
    if (left <= 0) return false;
    if (left === 1) this.garbles.delete(memberPhone);
    else this.garbles.set(memberPhone, left - 1);
    return true;
  }

  /** A simulated member sends `message` to the group; resolves with its id. */
  send(memberPhone: string, jid: string, message: proto.IMessage, opts: MemberSendOptions = {}): Promise<string> {
    const group = this.groups.get(jid);
    if (!group) return Promise.reject(new GroupError(404, 'item-not-found'));
    if (!isMember(group, memberPhone)) return Promise.reject(new GroupError(403, 'forbidden'));
    if (group.announce && !isAdmin(group, memberPhone)) return Promise.reject(new GroupError(403, 'not-authorized'));
    const contact = this.core.contacts.byPhoneNumber(memberPhone);
    if (!contact) return Promise.reject(new GroupError(400, 'only a simulated contact can write as a group member'));
    const id = opts.id ?? newMessageId();
    this.remember(id, { group: group.id, from: memberPhone, message, opts });
    this.log.record(group.id, { id, from: memberPhone, pushName: contact.pushName, message, timestamp: Number(unixSeconds()) });
    return this.inOrder(memberPhone, () => this.deliver(group, contact, id, message, opts)).then(() => id);
  }

  private inOrder(key: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.chains.set(key, next);
    void next
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  private async deliver(group: GroupRecord, contact: SimContact, id: string, message: proto.IMessage, opts: MemberSendOptions): Promise<void> {
    const gid = gidJid(group.id);
    const name = new SenderKeyName(gid, { id: `${contact.lid}_1`, deviceId: 0, toString: () => `${contact.lid}_1.0` });
    const store = this.store(contact.phoneNumber);
    const skdm = Buffer.from((await new GroupSessionBuilder(store).create(name)).serialize());
    const skmsg = Buffer.from(await new GroupCipher(store, name).encrypt(encodeWAMessage(message)));
    if (this.takeGarble(contact.phoneNumber)) skmsg[skmsg.length - 1]! ^= 0xff;
    const skEnc = node('enc', { v: '2', type: 'skmsg', mediatype: opts.mediatype }, skmsg);
    const who = { phone: contact.phoneNumber, lid: contact.lid };
    const from =
      group.addressingMode === 'lid'
        ? { participant: memberJid(group, who), participant_pn: pnJid(contact.phoneNumber), addressing_mode: 'lid' }
        : { participant: pnJid(contact.phoneNumber), participant_lid: lidJid(contact.lid), addressing_mode: 'pn' };
    const attrs = { from: gid, ...from, id, t: unixSeconds(), type: opts.stanzaType ?? 'text', edit: opts.edit, notify: contact.pushName };
    const skdmTo: string[] = [];
    for (const p of group.participants) {
      const account = this.core.registry.accounts.get(p.phone);
      if (!account) continue;
      for (const device of this.core.registry.devicesOf(p.phone)) {
        const dk = deviceKey(device.phoneNumber, device.deviceId);
        const content: BinaryNode[] = [];
        const holderKey = `${group.id}|${contact.phoneNumber}|${dk}`;
        if (!this.keyHolders.has(holderKey)) {
          const address = deviceAddress(account, device.deviceId);
          if (!contact.party.hasSession(address)) await contact.party.startSession(address, this.core.registry.takeBundle(device));
          const dist: proto.IMessage = { senderKeyDistributionMessage: { groupId: gid, axolotlSenderKeyDistributionMessage: skdm } };
          const { type, ciphertext } = await contact.party.encrypt(address, encodeWAMessage(dist));
          content.push(node('enc', { v: '2', type }, ciphertext));
          this.keyHolders.add(holderKey);
          skdmTo.push(dk);
        }
        content.push(skEnc);
        const conns = this.core.connectionsOf(device.phoneNumber).filter((c) => c.device === device);
        if (conns.length === 0 && !this.core.options.offlineQueue) continue;
        this.messaging.handTo(device, conns, node('message', attrs, content));
      }
    }
    this.core.events.emit('groupInbound', { id, group: gid, from: contact.phoneNumber, skdmTo });
  }

  private remember(id: string, sent: SentByMember): void {
    if (this.byMember.size >= MAX_REMEMBERED) this.byMember.delete(this.byMember.keys().next().value!);
    this.byMember.set(id, sent);
  }

  /** The session's receipts for members' messages; a retry re-sends with the SKDM again. */
  private onSessionReceipt(r: SessionReceipt): void {
    if (!r.to?.endsWith('@g.us')) return;
    const type = RECEIPT_TYPES[r.type];
    for (const id of r.messageIds) {
      const sent = this.byMember.get(id);
      if (!sent) continue;
      if (type) this.pushReceipt(sent.group, sent.from, 'receipts', { type, messageIds: [id], by: r.phoneNumber, at: Date.now() });
      if (r.type === 'retry') this.resend(r, id, sent);
    }
  }

  private resend(r: SessionReceipt, id: string, sent: SentByMember): void {
    const account = this.core.registry.accounts.get(r.phoneNumber);
    const contact = this.core.contacts.byPhoneNumber(sent.from);
    const group = this.groups.get(sent.group);
    if (!account || !contact || !group || !this.core.retries.allow(`group|${id}|${deviceKey(r.phoneNumber, r.deviceId)}`)) return;
    this.keyHolders.delete(`${group.id}|${contact.phoneNumber}|${deviceKey(r.phoneNumber, r.deviceId)}`);
    contact.party.dropSession(deviceAddress(account, r.deviceId));
    void this.inOrder(contact.phoneNumber, () => this.deliver(group, contact, id, sent.message, sent.opts)).catch((err: unknown) =>
      this.core.logger.warn({ err, id }, 'simulator could not re-send a group message after a retry receipt'),
    );
  }

  // ---------------------------------------------------------------- session → group

  /** A session's message to a group: members decrypt it (SKDM copies, then the skmsg), ack, receipts. */
  async handleOutbound(conn: SimConnection, stanza: BinaryNode): Promise<void> {
    const device = conn.device;
    const account = device && this.core.registry.accounts.get(device.phoneNumber);
    const { id, to } = stanza.attrs;
    if (!device || !account || !id || !to) return;
    const group = this.groups.get(to);
    const ack = node('ack', { class: 'message', id, from: to, t: unixSeconds() });
    if (!group || !isMember(group, account.phoneNumber)) {
      conn.send(node('ack', { ...ack.attrs, error: group ? '403' : '404' }));
      return;
    }
    const sender = deviceAddress(account, device.deviceId);
    const name = new SenderKeyName(gidJid(group.id), { id: `${account.lid}_1`, deviceId: device.deviceId, toString: () => sender });
    for (const r of childrenByTag(child(stanza, 'participants'), 'to')) await this.takeKey(account, sender, name, r);
    const skmsg = bytes(childrenByTag(stanza, 'enc').find((e) => e.attrs.type === 'skmsg'));
    const decryptedBy: string[] = [];
    let decoded: GroupInboxMessage | undefined;
    if (skmsg) {
      for (const p of group.participants) {
        if (p.phone === account.phoneNumber || !this.core.contacts.byPhoneNumber(p.phone)) continue;
        try {
          const plain = await new GroupCipher(this.store(p.phone), name).decrypt(skmsg);
          if (!decoded) {
            const message = proto.Message.decode(unpadRandomMax16(plain));
            this.log.record(group.id, { id, from: account.phoneNumber, pushName: account.pushName, message, timestamp: Number(stanza.attrs.t ?? unixSeconds()) });
            decoded = await this.decode(message, stanza, account.phoneNumber);
          }
          this.pushMessage(group.id, p.phone, decoded);
          decryptedBy.push(p.phone);
        } catch (err) {
          this.core.logger.warn({ err, id, member: p.phone }, 'simulated group member could not decrypt a session message');
        }
      }
    }
    conn.send(ack);
    if (decoded) this.core.events.emit('groupMessage', { ...decoded, group: gidJid(group.id), decryptedBy });
    const auto = this.core.options.autoReceipts;
    if (auto && decryptedBy.length > 0) {
      if (auto.deliveredAfterMs !== false) this.later(auto.deliveredAfterMs, () => this.membersReceipt(group, account.phoneNumber, decryptedBy, [id], 'delivered'));
      if (auto.readAfterMs !== false) this.later(auto.readAfterMs, () => this.membersReceipt(group, account.phoneNumber, decryptedBy, [id], 'read'));
    }
  }

  /** One `<to>` copy: its member decrypts it 1:1 and keeps the session's sender key. */
  private async takeKey(account: AccountRecord, sender: string, name: SenderKeyName, to: BinaryNode): Promise<void> {
    const jid = to.attrs.jid;
    const enc = child(to, 'enc');
    const body = bytes(enc);
    const who = jid ? this.core.resolveUser(jid, false) : undefined;
    if (!jid || !enc || !body || !who) return;
    if (who.kind === 'account' && jid.includes(':')) return; // another companion: not simulated
    const party = who.kind === 'contact' ? who.contact.party : this.core.phoneParty(who.account);
    const holder = who.kind === 'contact' ? who.contact.phoneNumber : who.account.phoneNumber;
    try {
      const msg = proto.Message.decode(unpadRandomMax16(await party.decrypt(sender, enc.attrs.type ?? '', body)));
      const dist = msg.senderKeyDistributionMessage?.axolotlSenderKeyDistributionMessage;
      if (dist) await new GroupSessionBuilder(this.store(holder)).process(name, new SenderKeyDistributionMessage(null, null, null, null, dist));
    } catch (err) {
      this.core.logger.warn({ err, jid, account: account.phoneNumber }, 'simulated group member could not take a sender key');
    }
  }

  private async decode(message: proto.IMessage, stanza: BinaryNode, from: string): Promise<GroupInboxMessage> {
    const decoded = await decodeSent(message, stanza, this.core.mediaHost, this.core.logger);
    const m = message.ephemeralMessage?.message ?? message;
    const mentioned = m.extendedTextMessage?.contextInfo?.mentionedJid ?? [];
    const mentions = mentioned.map((j) => this.groups.phoneOfJid(j)).filter((p): p is string => !!p);
    const media = decoded.media ? { ...decoded.media, bytes: undefined } : undefined;
    return { ...decoded, media, id: stanza.attrs.id!, from, text: textOf(m), mentions, timestamp: Date.now() };
  }

  /** Members' receipts for a session's group messages (one per member, `participant` = the member). */
  membersReceipt(group: GroupRecord, sessionPhone: string, members: string[], ids: string[], type: GroupReceiptType): number {
    const [first, ...rest] = ids;
    if (!first) return 0;
    const conns = this.core.connectionsOf(sessionPhone);
    for (const phone of members) {
      const who = this.groups.person(phone);
      const receipt = node(
        'receipt',
        { from: gidJid(group.id), participant: memberJid(group, who), id: first, t: unixSeconds(), type: type === 'delivered' ? undefined : type },
        rest.length > 0 ? [node('list', {}, rest.map((i) => node('item', { id: i })))] : undefined,
      );
      for (const c of conns) c.send(receipt);
      this.pushReceipt(group.id, phone, 'receiptsSent', { type, messageIds: ids, by: phone, at: Date.now() });
    }
    return conns.length;
  }

  // ---------------------------------------------------------------- inboxes

  inbox(jid: string, memberPhone: string): GroupInbox {
    const box = this.inboxes.get(`${jid.split('@')[0]}|${memberPhone}`);
    return { messages: [...(box?.messages ?? [])], receipts: [...(box?.receipts ?? [])], receiptsSent: [...(box?.receiptsSent ?? [])] };
  }

  private box(gid: string, phone: string): GroupInbox {
    const key = `${gid}|${phone}`;
    let box = this.inboxes.get(key);
    if (!box) this.inboxes.set(key, (box = { messages: [], receipts: [], receiptsSent: [] }));
    return box;
  }

  private pushMessage(gid: string, phone: string, m: GroupInboxMessage): void {
    const list = this.box(gid, phone).messages;
    list.push(m);
    if (list.length > MAX_INBOX) list.shift();
  }

  private pushReceipt(gid: string, phone: string, which: 'receipts' | 'receiptsSent', r: GroupInboxReceipt): void {
    const list = this.box(gid, phone)[which];
    list.push(r);
    if (list.length > MAX_INBOX) list.shift();
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
