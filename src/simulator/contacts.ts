/**
 * Simulated contacts: other WhatsApp users with a number, a LID, a push name and a Signal identity.
 * `SimContact` is the handle tests use; the directory resolves contacts by PN or LID.
 */
import { SignalParty, generatePartyKeys } from './signal-party.js';
import { randomLid, type ContactKeysRecord, type DeviceRegistry } from './registry.js';
import type { ContactMessageContent, ContactMessages, ContactReceiptType } from './contact-actions.js';
import type { PresenceKind, SendTextOptions } from './types.js';

/** What a contact needs from the simulator to act. */
export interface ContactActions {
  sendText(contact: SimContact, toPhoneNumber: string, text: string, opts: SendTextOptions): Promise<string>;
  sendPresence(contact: SimContact, toPhoneNumber: string, presence: PresenceKind): void;
  /** Replies, forwards, media, reactions, edits, revokes, receipts. */
  messages: ContactMessages;
  failNextDecrypt(contact: SimContact, toPhoneNumber: string): void;
  garbleNext(contact: SimContact, toPhoneNumber: string, count: number): void;
}

export class SimContact {
  readonly party: SignalParty;

  constructor(
    private readonly record: ContactKeysRecord,
    private readonly actions: ContactActions,
  ) {
    this.party = new SignalParty(record.keys);
  }

  get phoneNumber(): string {
    return this.record.phoneNumber;
  }
  get lid(): string {
    return this.record.lid;
  }
  get pushName(): string | undefined {
    return this.record.pushName;
  }
  /** `<pn>@s.whatsapp.net` */
  get jid(): string {
    return `${this.record.phoneNumber}@s.whatsapp.net`;
  }
  /** `<lid>@lid` */
  get lidJid(): string {
    return `${this.record.lid}@lid`;
  }

  /** Sends a text to every device of the session's account; resolves with the message id. */
  sendText(toPhoneNumber: string, text: string, opts: SendTextOptions = {}): Promise<string> {
    return this.actions.sendText(this, normalizePhone(toPhoneNumber), text, opts);
  }

  /** Text and/or media, optionally a reply (`quotedMessageId`) or a forward; resolves with the message id. */
  send(toPhoneNumber: string, content: ContactMessageContent, opts: SendTextOptions = {}): Promise<string> {
    return this.actions.messages.send(this, normalizePhone(toPhoneNumber), content, opts);
  }

  /** Votes on a poll (the session's or the contact's own); `[]` withdraws the vote. Resolves with the vote's message id. */
  vote(toPhoneNumber: string, pollMessageId: string, options: string[], opts: SendTextOptions = {}): Promise<string> {
    return this.actions.messages.vote(this, normalizePhone(toPhoneNumber), pollMessageId, options, opts);
  }

  /** Reacts to a message (the session's or the contact's own); `''` removes the reaction. */
  react(toPhoneNumber: string, messageId: string, emoji: string, opts: SendTextOptions = {}): Promise<string> {
    return this.actions.messages.react(this, normalizePhone(toPhoneNumber), messageId, emoji, opts);
  }

  /** Edits one of the contact's own messages. */
  edit(toPhoneNumber: string, messageId: string, text: string, opts: SendTextOptions = {}): Promise<string> {
    return this.actions.messages.edit(this, normalizePhone(toPhoneNumber), messageId, text, opts);
  }

  /** Deletes one of the contact's own messages for everyone. */
  revoke(toPhoneNumber: string, messageId: string, opts: SendTextOptions = {}): Promise<string> {
    return this.actions.messages.revoke(this, normalizePhone(toPhoneNumber), messageId, opts);
  }

  /** One receipt for several session messages; returns how many connections it reached. */
  sendReceipts(toPhoneNumber: string, messageIds: string[], type: ContactReceiptType, opts: Pick<SendTextOptions, 'addressing'> = {}): number {
    return this.actions.messages.sendReceipts(this, normalizePhone(toPhoneNumber), messageIds, type, opts);
  }

  /** The next message the session sends this contact fails to decrypt: the contact asks for a retry. */
  failNextDecrypt(toPhoneNumber: string): void {
    this.actions.failNextDecrypt(this, normalizePhone(toPhoneNumber));
  }

  /**
   * The next `count` messages (and re-sends) this contact sends the account arrive undecryptable: the
   * session asks for a retry, and the contact answers it with a fresh copy (see retry.ts).
   */
  garbleNext(toPhoneNumber: string, count = 1): void {
    this.actions.garbleNext(this, normalizePhone(toPhoneNumber), count);
  }

  /** available / unavailable (presence) or composing / recording / paused (chat state). */
  sendPresence(toPhoneNumber: string, presence: PresenceKind): void {
    this.actions.sendPresence(this, normalizePhone(toPhoneNumber), presence);
  }
}

export function normalizePhone(phone: string): string {
  const digits = phone.replace(/^\+/, '').split('@')[0]!.split(':')[0]!;
  if (!/^\d{5,20}$/.test(digits)) throw new Error(`invalid phone number '${phone}'`);
  return digits;
}

export class ContactDirectory {
  private readonly byPhone = new Map<string, SimContact>();
  private readonly byLid = new Map<string, SimContact>();

  constructor(
    private readonly registry: DeviceRegistry,
    private readonly actions: ContactActions,
  ) {
    for (const record of registry.contacts.values()) this.index(new SimContact(record, actions));
  }

  private index(contact: SimContact): SimContact {
    this.byPhone.set(contact.phoneNumber, contact);
    this.byLid.set(contact.lid, contact);
    return contact;
  }

  getOrCreate(phoneNumber: string, opts: { pushName?: string; lid?: string } = {}): SimContact {
    const existing = this.byPhone.get(phoneNumber);
    if (existing) return existing;
    const record: ContactKeysRecord = { phoneNumber, lid: opts.lid ?? randomLid(), pushName: opts.pushName, keys: generatePartyKeys() };
    this.registry.contacts.set(phoneNumber, record);
    return this.index(new SimContact(record, this.actions));
  }

  byPhoneNumber(phoneNumber: string): SimContact | undefined {
    return this.byPhone.get(phoneNumber);
  }

  byLidUser(lid: string): SimContact | undefined {
    return this.byLid.get(lid);
  }
}
