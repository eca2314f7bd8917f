/**
 * Messages both ways. Inbound: a contact encrypts a text for every device of the session's account
 * (`pkmsg` until the device confirms, then `msg`), or sends it as plaintext; devices that are not
 * connected get it at their next login. Outbound: decrypt what a session sends to a contact and to
 * its own phone, record it, ack it, and answer with delivery / read receipts.
 */
import { randomBytes } from 'node:crypto';
import { encodeWAMessage, jidDecode, proto, unpadRandomMax16 } from '@whiskeysockets/baileys';
import { bytes, child, childrenByTag, node, unixSeconds, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimContact } from './contacts.js';
import type { SimulatorCore } from './core.js';
import { deviceKey, type AccountRecord, type DeviceRecord } from './registry.js';
import type { SignalParty } from './signal-party.js';
import { decodeSent } from './inbox.js';
import { answerMediaRetry } from './media-retry.js';
import { decryptVote, pollOf } from './message-kinds.js';
import type { PresenceKind, SendTextOptions, SentMessage } from './types.js';

/** Stanza details of a contact's message beyond its content (reactions, edits, media). */
export interface DeliverOptions extends SendTextOptions {
  /** Stanza `type`: 'text' (default), 'media', 'reaction', 'poll' or 'event'. */
  stanzaType?: 'text' | 'media' | 'reaction' | 'poll' | 'event';
  /** Stanza `edit` attribute ('1' edit, '7' revoke). */
  edit?: string;
  /** `<enc mediatype>` for media. */
  mediatype?: string;
}
const MAX_REMEMBERED_INBOUND = 5_000;

/** A contact's prekey message waiting for the device's receipt: which session it started. */
interface PendingConfirm {
  party: SignalParty;
  address: string;
  baseKey?: Buffer;
}

const MAX_OFFLINE_PER_DEVICE = 500;
/** With redeliverUnacked, nothing is dropped short of this (a drill's whole burst fits). */
const MAX_KEPT_PER_DEVICE = 100_000;
const MAX_PENDING_CONFIRM = 10_000;

export function newMessageId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

/** Signal address under which the simulator's parties keep their session with a companion device. */
export function deviceAddress(account: AccountRecord, deviceId: number): string {
  return `${account.lid}_1.${deviceId}`;
}

export function textOf(message: proto.IMessage | undefined): string | undefined {
  if (!message) return undefined;
  return message.conversation ?? message.extendedTextMessage?.text ?? undefined;
}

/** Contacts' messages encrypted now and handed over later, all at once (see `holdDeliveries`). */
export interface HeldDeliveries {
  /** How many stanzas are held. */
  readonly count: number;
  /** Hands every held stanza over, in the order they were made, yielding to I/O between chunks; later ones go at once. */
  release(): Promise<number>;
}

const RELEASE_CHUNK = 200;

export class Messaging {
  private held: Array<() => void> | null = null;
  private readonly sent = new Map<string, SentMessage[]>();
  private readonly sentById = new Map<string, SentMessage>();
  private readonly inbound = new Map<string, { from: string; message: proto.IMessage; opts: DeliverOptions }>();
  private readonly pendingConfirm = new Map<string, PendingConfirm>();
  private readonly offline = new Map<string, BinaryNode[]>();
  /** Per device: contact messages handed to a connection and not yet acknowledged (redeliverUnacked). */
  private readonly unacked = new Map<string, Map<string, BinaryNode>>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly core: SimulatorCore) {}

  // ---------------------------------------------------------------- inbound (contact → session)

  sendText(contact: SimContact, toPhone: string, text: string, opts: SendTextOptions): Promise<string> {
    return this.sendMessage(contact, toPhone, { conversation: text }, opts);
  }

  /** Any message from a contact to every device of the session's account; resolves with its id. */
  sendMessage(contact: SimContact, toPhone: string, message: proto.IMessage, opts: DeliverOptions): Promise<string> {
    const account = this.core.registry.accounts.get(toPhone);
    if (!account) return Promise.reject(new Error(`no account ${toPhone} is known to the simulator`));
    const id = opts.id ?? newMessageId();
    if (this.core.accountIqs.isBlocked(toPhone, contact)) {
      // As WhatsApp does: the account blocked the contact, nothing reaches its devices.
      this.core.events.emit('inboundBlocked', { id, from: contact.phoneNumber, to: toPhone });
      return Promise.resolve(id);
    }
    const next = this.inOrder(contact, () => this.deliver(contact, account, id, message, opts));
    return next.then(() => id);
  }

  /** One contact's messages are encrypted and sent strictly in order. */
  private inOrder(contact: SimContact, work: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(contact.phoneNumber) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(work);
    this.chains.set(contact.phoneNumber, next);
    void next.finally(() => {
      if (this.chains.get(contact.phoneNumber) === next) this.chains.delete(contact.phoneNumber);
    }).catch(() => undefined);
    return next;
  }

  private async deliver(contact: SimContact, account: AccountRecord, id: string, message: proto.IMessage, opts: DeliverOptions): Promise<void> {
    const attrs = stanzaAttrs(contact, id, opts);
    const devices = this.core.registry.devicesOf(account.phoneNumber);
    if (devices.length === 0) throw new Error(`account ${account.phoneNumber} has no paired device`);
    const encTypes: Record<number, string> = {};
    const garble = !opts.plaintext && this.core.retries.takeGarble(contact, account);
    for (const device of devices) {
      const conns = this.connectionsOfDevice(device);
      if (conns.length === 0 && !this.core.options.offlineQueue) continue;
      const payload = opts.plaintext
        ? node('plaintext', {}, Buffer.from(proto.Message.encode(message).finish()))
        : await this.encryptFor(contact, account, device, id, message, opts, garble);
      encTypes[device.deviceId] = payload.tag === 'plaintext' ? 'plaintext' : (payload.attrs.type ?? '');
      this.handTo(device, conns, node('message', attrs, [payload]));
    }
    this.rememberInbound(id, contact.phoneNumber, message, opts);
    this.core.events.emit('inbound', { id, from: contact.phoneNumber, to: account.phoneNumber, text: textOf(message) ?? '', encTypes });
  }

  /** The contact's `<enc>` of a message for one device; `garble` changes its last byte on the way (the session cannot decrypt it). */
  private async encryptFor(contact: SimContact, account: AccountRecord, device: DeviceRecord, id: string, message: proto.IMessage, opts: DeliverOptions, garble: boolean): Promise<BinaryNode> {
    const address = deviceAddress(account, device.deviceId);
    if (!contact.party.hasSession(address)) await contact.party.startSession(address, this.core.registry.takeBundle(device));
    const { type, ciphertext } = await contact.party.encrypt(address, encodeWAMessage(message));
    if (type === 'pkmsg') this.remember(`${id}|${deviceKey(device.phoneNumber, device.deviceId)}`, { party: contact.party, address, baseKey: contact.party.openBaseKey(address) });
    const body = Buffer.from(ciphertext);
    if (garble) body[body.length - 1]! ^= 0xff;
    return node('enc', { v: '2', type, mediatype: opts.mediatype }, body);
  }

  /** Sends a contact's stanza to the device's connections, or queues it for the device's next login. */
  handTo(device: DeviceRecord, conns: SimConnection[], stanza: BinaryNode): void {
    if (this.held) {
      this.held.push(() => this.handTo(device, conns, stanza));
      return;
    }
    const offlineCopy = node('message', { ...stanza.attrs, offline: '1' }, stanza.content as BinaryNode[]);
    if (conns.length > 0) {
      for (const c of conns) c.send(stanza);
      if (this.core.options.redeliverUnacked) this.rememberUnacked(device, stanza.attrs.id!, offlineCopy);
    } else this.queue(device, offlineCopy);
  }

  /**
   * From now on contacts' stanzas are encrypted as usual but kept back until `release()`: a load
   * generator (bench:groups) makes a burst first and then measures only its delivery.
   */
  holdDeliveries(): HeldDeliveries {
    const held: Array<() => void> = [];
    this.held = held;
    return {
      get count() {
        return held.length;
      },
      release: async () => {
        if (this.held === held) this.held = null;
        for (let i = 0; i < held.length; i++) {
          held[i]!();
          if (i % RELEASE_CHUNK === RELEASE_CHUNK - 1) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        return held.length;
      },
    };
  }

  /**
   * A session's retry receipt for a contact's message: the contact starts a new Signal session
   * with that device and sends the message again, same id, as a `pkmsg` (as phones do).
   */
  private resend(device: DeviceRecord, id: string): void {
    const original = this.inbound.get(id);
    const account = this.core.registry.accounts.get(device.phoneNumber);
    const contact = original && this.core.contacts.byPhoneNumber(original.from);
    if (!original || !account || !contact || original.opts.plaintext || !this.core.retries.allow(`resend|${id}|${deviceKey(device.phoneNumber, device.deviceId)}`)) return;
    const address = deviceAddress(account, device.deviceId);
    void this.inOrder(contact, async () => {
      contact.party.dropSession(address);
      const garble = this.core.retries.takeGarble(contact, account);
      const payload = await this.encryptFor(contact, account, device, id, original.message, original.opts, garble);
      this.handTo(device, this.connectionsOfDevice(device), node('message', stanzaAttrs(contact, id, original.opts), [payload]));
      this.core.events.emit('inboundRetried', { id, from: contact.phoneNumber, to: account.phoneNumber });
    }).catch((err: unknown) => this.core.logger.warn({ err, id }, 'simulator could not re-send a message after a retry receipt'));
  }

  private rememberInbound(id: string, from: string, message: proto.IMessage, opts: DeliverOptions): void {
    if (this.inbound.size >= MAX_REMEMBERED_INBOUND) {
      const oldest = this.inbound.keys().next().value;
      if (oldest !== undefined) this.inbound.delete(oldest);
    }
    this.inbound.set(id, { from, message, opts });
  }

  /** A message a contact sent (recent ones), for quoting it in a reply. */
  inboundMessage(id: string): { from: string; message: proto.IMessage } | undefined {
    return this.inbound.get(id);
  }

  /** A session's poll vote, decrypted against the poll (the session's own or a contact's). */
  private voteOf(update: proto.Message.IPollUpdateMessage, account: AccountRecord): SentMessage['vote'] {
    const pollId = update.pollCreationMessageKey?.id ?? '';
    const own = this.sentById.get(pollId);
    const theirs = this.inbound.get(pollId);
    const creatorContact = theirs && this.core.contacts.byPhoneNumber(theirs.from);
    const creators = own ? [`${account.phoneNumber}@s.whatsapp.net`, `${account.lid}@lid`] : creatorContact ? [creatorContact.jid, creatorContact.lidJid] : [];
    return decryptVote(update, pollOf(own?.message ?? theirs?.message), creators, [`${account.phoneNumber}@s.whatsapp.net`, `${account.lid}@lid`]);
  }

  /** A message a session sent, by id (recent ones). */
  sentMessage(id: string): SentMessage | undefined {
    return this.sentById.get(id);
  }

  private remember(key: string, pending: PendingConfirm): void {
    if (this.pendingConfirm.size >= MAX_PENDING_CONFIRM) {
      const oldest = this.pendingConfirm.keys().next().value;
      if (oldest !== undefined) this.pendingConfirm.delete(oldest);
    }
    this.pendingConfirm.set(key, pending);
  }

  private rememberUnacked(device: DeviceRecord, id: string, stanza: BinaryNode): void {
    const key = deviceKey(device.phoneNumber, device.deviceId);
    const pending = this.unacked.get(key) ?? new Map<string, BinaryNode>();
    if (pending.size >= MAX_KEPT_PER_DEVICE) pending.delete(pending.keys().next().value!);
    pending.set(id, stanza);
    this.unacked.set(key, pending);
  }

  /** The device's connection closed: what it never acknowledged waits for its next login, in order. */
  requeueUnacked(device: DeviceRecord): void {
    const key = deviceKey(device.phoneNumber, device.deviceId);
    const pending = this.unacked.get(key);
    if (!pending || this.connectionsOfDevice(device).length > 0) return;
    this.unacked.delete(key);
    const queued = this.offline.get(key) ?? [];
    this.offline.set(key, []);
    for (const stanza of pending.values()) this.queue(device, stanza);
    for (const stanza of queued) this.queue(device, stanza);
  }

  private queue(device: DeviceRecord, stanza: BinaryNode): void {
    const key = deviceKey(device.phoneNumber, device.deviceId);
    const list = this.offline.get(key) ?? [];
    if (list.length >= (this.core.options.redeliverUnacked ? MAX_KEPT_PER_DEVICE : MAX_OFFLINE_PER_DEVICE)) list.shift();
    list.push(stanza);
    this.offline.set(key, list);
  }

  /** Delivers what was queued while the device was away; returns how many stanzas. */
  flushOffline(conn: SimConnection): number {
    const device = conn.device;
    if (!device) return 0;
    const key = deviceKey(device.phoneNumber, device.deviceId);
    const list = this.offline.get(key);
    if (!list) return 0;
    this.offline.delete(key);
    for (const stanza of list) conn.send(stanza);
    return list.length;
  }

  sendPresence(contact: SimContact, toPhone: string, presence: PresenceKind): void {
    let stanza: BinaryNode;
    switch (presence) {
      case 'available':
        stanza = node('presence', { from: contact.jid });
        break;
      case 'unavailable':
        stanza = node('presence', { from: contact.jid, type: 'unavailable', last: unixSeconds() });
        break;
      case 'composing':
      case 'paused':
        stanza = node('chatstate', { from: contact.jid }, [node(presence)]);
        break;
      case 'recording':
        stanza = node('chatstate', { from: contact.jid }, [node('composing', { media: 'audio' })]);
        break;
    }
    for (const c of this.core.connectionsOf(toPhone)) c.send(stanza);
  }

  // ---------------------------------------------------------------- outbound (session → contact)

  async handleOutbound(conn: SimConnection, stanza: BinaryNode): Promise<void> {
    const device = conn.device;
    const account = device && this.core.registry.accounts.get(device.phoneNumber);
    if (!device || !account) return;
    const { id, to } = stanza.attrs;
    if (!id || !to) return;
    if (to.endsWith('@g.us')) return this.core.groups.messages.handleOutbound(conn, stanza);
    const sender = deviceAddress(account, device.deviceId);
    const target = this.core.resolveUser(to, false);
    const record: SentMessage = {
      id,
      from: account.phoneNumber,
      fromDevice: device.deviceId,
      to,
      toPhoneNumber: target?.kind === 'contact' ? target.contact.phoneNumber : undefined,
      decryptedBy: [],
      encTypes: {},
      timestamp: Date.now(),
    };
    const recipients = childrenByTag(child(stanza, 'participants'), 'to');
    const direct = child(stanza, 'enc');
    if (direct) recipients.push(node('to', { jid: to }, [direct]));
    for (const r of recipients) {
      const jid = r.attrs.jid;
      const enc = child(r, 'enc');
      const body = bytes(enc);
      if (!jid || !enc || !body) continue;
      record.encTypes[jid] = enc.attrs.type ?? '';
      const who = this.core.resolveUser(jid, false);
      if (!who) continue;
      if (who.kind === 'account' && jidDecode(jid)?.device) continue; // another companion: not simulated
      const party = who.kind === 'contact' ? who.contact.party : this.core.phoneParty(who.account);
      if (who.kind === 'contact' && this.core.retries.takeFailure(who.contact, account)) {
        record.retryRequested = true;
        this.core.retries.requestRetry(conn, who.contact, jid, stanza, sender);
        continue;
      }
      try {
        const plain = await party.decrypt(sender, enc.attrs.type ?? '', body);
        const msg = proto.Message.decode(unpadRandomMax16(plain));
        if (who.kind === 'contact') {
          record.message = msg;
          record.decryptedBy.push('contact');
        } else {
          record.message ??= msg.deviceSentMessage?.message ?? msg;
          record.decryptedBy.push('phone');
        }
      } catch (err) {
        this.core.logger.warn({ err, id, jid }, 'simulator could not decrypt a message from the session');
        // As a phone does: forget the session with that device and ask it to send the message again.
        if (who.kind === 'contact' && this.core.retries.allow(`ask|${id}|${jid}`)) {
          record.retryRequested = true;
          this.core.retries.requestRetry(conn, who.contact, jid, stanza, sender);
        }
      }
    }
    record.text = textOf(record.message);
    Object.assign(record, await decodeSent(record.message, stanza, this.core.mediaHost, this.core.logger));
    if (record.kind === 'vote' && record.message?.pollUpdateMessage) record.vote = this.voteOf(record.message.pollUpdateMessage, account);
    conn.send(node('ack', { class: 'message', id, from: to, t: unixSeconds() }));
    this.record(record);
    this.core.events.emit('message', record);
    const auto = this.core.options.autoReceipts;
    if (auto && target?.kind === 'contact' && stanza.attrs.category !== 'peer') {
      if (auto.deliveredAfterMs !== false) this.later(auto.deliveredAfterMs, () => this.sendReceiptFor(record, 'delivered'));
      if (auto.readAfterMs !== false) this.later(auto.readAfterMs, () => this.sendReceiptFor(record, 'read'));
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private record(r: SentMessage): void {
    const list = this.sent.get(r.from) ?? [];
    list.push(r);
    if (list.length > this.core.options.maxRecordedMessagesPerSession) {
      const dropped = list.shift();
      if (dropped) this.sentById.delete(dropped.id);
    }
    this.sent.set(r.from, list);
    this.sentById.set(r.id, r);
  }

  sentMessages(phoneNumber?: string): SentMessage[] {
    if (phoneNumber) return [...(this.sent.get(phoneNumber) ?? [])];
    return [...this.sent.values()].flat();
  }

  /** The contact's receipt for a message the session sent (to every connected device of the account). */
  sendReceipt(messageId: string, type: 'delivered' | 'read'): void {
    const record = this.sentById.get(messageId);
    if (!record) throw new Error(`no message ${messageId} was sent through the simulator`);
    this.sendReceiptFor(record, type);
  }

  private sendReceiptFor(record: SentMessage, type: 'delivered' | 'read'): void {
    const receipt = node('receipt', { from: record.to, id: record.id, t: unixSeconds(), type: type === 'read' ? 'read' : undefined });
    for (const c of this.core.connectionsOf(record.from)) c.send(receipt);
  }

  /** The session's receipt for an inbound message: confirms prekey sessions, drops them on retry. */
  handleSessionReceipt(conn: SimConnection, stanza: BinaryNode): void {
    const device = conn.device;
    if (!device) return;
    const ids = [stanza.attrs.id, ...childrenByTag(child(stanza, 'list'), 'item').map((i) => i.attrs.id)].filter((x): x is string => !!x);
    const type = stanza.attrs.type ?? '';
    if (type === 'server-error') answerMediaRetry(conn, stanza, this.core.mediaHost, (id) => this.inboundMessage(id));
    const dk = deviceKey(device.phoneNumber, device.deviceId);
    const unacked = this.unacked.get(dk);
    for (const id of ids) unacked?.delete(id);
    for (const id of ids) {
      const pending = this.pendingConfirm.get(`${id}|${dk}`);
      if (!pending) continue;
      this.pendingConfirm.delete(`${id}|${dk}`);
      // About the session that prekey message started: a newer one (after a retry) is not touched.
      if (type === 'retry') pending.party.dropSession(pending.address, pending.baseKey);
      else pending.party.confirmSession(pending.address, pending.baseKey);
    }
    if (type === 'retry') for (const id of ids) this.resend(device, id);
    this.core.events.emit('receipt', { phoneNumber: device.phoneNumber, deviceId: device.deviceId, messageIds: ids, type, to: stanza.attrs.to });
  }

  private connectionsOfDevice(device: DeviceRecord): SimConnection[] {
    return this.core.connectionsOf(device.phoneNumber).filter((c) => c.device === device);
  }

  dropOffline(device: DeviceRecord): void {
    this.offline.delete(deviceKey(device.phoneNumber, device.deviceId));
    this.unacked.delete(deviceKey(device.phoneNumber, device.deviceId));
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** A contact message's stanza attributes: PN addressing (with `sender_lid`) or LID (with `sender_pn`). */
function stanzaAttrs(contact: SimContact, id: string, opts: DeliverOptions): Record<string, string | undefined> {
  const from: Record<string, string | undefined> =
    opts.addressing === 'lid'
      ? { from: contact.lidJid, sender_pn: contact.jid, addressing_mode: 'lid' }
      : { from: contact.jid, sender_lid: contact.lidJid };
  return { ...from, id, t: unixSeconds(), type: opts.stanzaType ?? 'text', edit: opts.edit, notify: contact.pushName };
}
