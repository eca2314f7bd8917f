/**
 * The control surface the product uses in sandbox mode (in-process, no HTTP): play the phone that
 * scans a QR, play a contact that writes, and trigger the phone-side events a real account sees.
 * Everything is keyed by the session's phone number (or by the QR string for a scan). The product
 * depends on the `SandboxControl` interface only; `createSandboxControl` binds it to a simulator.
 */
import type { PhoneAppStateUpdate } from './app-state-service.js';
import type { HistoryOptions } from './history.js';
import type { WhatsAppSimulator } from './simulator.js';
import type { ContactMedia, ContactReceiptType } from './contact-actions.js';
import type { ContactInbox } from './inbox.js';
import type { RichContent } from './message-kinds.js';
import type { ProfileView } from './account-iqs.js';
import type { MediaTrust } from './media-host.js';
import type { AccountType, CallRecord, PairedDevice, PresenceKind, SentMessage } from './types.js';

export interface SandboxScanRequest {
  /** The QR string Baileys emitted in `connection.update`. */
  qr: string;
  /** The phone number that "scans" it (the session's number from then on). */
  phoneNumber: string;
  accountType?: AccountType;
  /** Business name (business accounts). */
  name?: string;
  /** The phone's push name (profile name), which the session learns as `me.name`. */
  pushName?: string;
  /** Size of the history fixture the first login receives (default: an empty history). */
  history?: HistoryOptions;
}

export interface SandboxSendRequest extends RichContent {
  /** The contact's phone number (created on first use). */
  from: string;
  /** The session's phone number. */
  to: string;
  text?: string;
  /** A media message (needs the media host). */
  media?: ContactMedia;
  /** Reply to this message id (the session's or the contact's own). */
  quotedMessageId?: string;
  /** Contact's push name (applies when the contact is created). */
  pushName?: string;
  /** 'pn' (default) or 'lid' addressing of the inbound message. */
  addressing?: 'pn' | 'lid';
}

/** A contact (`from`, created on first use) acting towards the session whose number is `to`. */
export interface ContactTarget {
  from: string;
  to: string;
  addressing?: 'pn' | 'lid';
}

export interface SandboxControl {
  /** The URL to pass to Baileys as `waWebSocketUrl`. */
  readonly url: string;
  /** A phone scans the QR: the session gets pair-success, then 515 (the product reconnects). */
  scanQr(request: SandboxScanRequest): Promise<PairedDevice>;
  /** The phone enters the pairing code the companion of `phoneNumber` shows (rejects on a wrong code). */
  enterPairingCode(request: { phoneNumber: string; code: string }): Promise<PairedDevice>;
  /** The number the companion showing `qr` asked a pairing code for, if it waits for one. */
  pairingCodeRequestOf(qr: string): string | undefined;
  /** Changes on the phone (push name, contact names, mute, archive, pin), pushed live; versions per collection. */
  setAppState(phoneNumber: string, update: PhoneAppStateUpdate): Promise<Record<string, number>>;
  /** The account's phone blocks or unblocks a contact (the account's blocklist, told to every device); the blocklist afterwards. */
  phoneBlock(phoneNumber: string, contactPhone: string, blocked: boolean): string[];
  /** The LID jid of a simulated contact, when it exists. */
  contactLidJid(phoneNumber: string): string | undefined;
  /** A contact sends a text to the session; resolves with the WhatsApp message id. */
  sendAsContact(request: SandboxSendRequest): Promise<{ messageId: string }>;
  /** A contact votes on a poll (the session's or its own); `options: []` withdraws the vote. */
  vote(request: ContactTarget & { messageId: string; options: string[] }): Promise<{ messageId: string }>;
  /** A contact that exists on WhatsApp, with its push name, about text and profile picture. */
  declareContact(request: { phone: string; pushName?: string; about?: string; picture?: Buffer }): { jid: string; lidJid: string };
  /** A user's about text and profile picture. */
  profileOf(phoneNumber: string): ProfileView;
  /** A contact calls the session `to`; it rings `ringMs`, then times out. */
  offerCall(request: { from: string; to: string; video?: boolean; ringMs?: number }): { callId: string };
  /** The calls a contact placed, as it saw them. */
  callsOf(contactPhone: string): CallRecord[];
  /** A contact reacts to a message (`emoji: ''` removes the reaction). */
  react(request: ContactTarget & { messageId: string; emoji: string }): Promise<{ messageId: string }>;
  /** A contact edits one of its own messages. */
  edit(request: ContactTarget & { messageId: string; text: string }): Promise<{ messageId: string }>;
  /** A contact deletes one of its own messages for everyone. */
  revoke(request: ContactTarget & { messageId: string }): Promise<{ messageId: string }>;
  /** A contact's receipt for several session messages. */
  sendReceipts(request: ContactTarget & { messageIds: string[]; type: ContactReceiptType }): Promise<{ affectedConnections: number }>;
  /** The contact fails to decrypt the next message the session sends it and asks for a retry. */
  failNextDecrypt(request: { from: string; to: string }): Promise<void>;
  /** What the contact `contact` received from the session `from`, decoded. */
  inbox(contact: string, from: string): ContactInbox;
  /** Trust material for the media host (Baileys' `fetchAgent` / `options.dispatcher`, downloads). */
  mediaTrust(): MediaTrust | undefined;
  /** A contact's presence / chat state towards the session. */
  sendPresence(request: { from: string; to: string; presence: PresenceKind }): Promise<void>;
  /** The phone unlinks the session's device (the session closes with 401 and is logged out). */
  removeDevice(phoneNumber: string): Promise<{ affectedConnections: number }>;
  /** Another client takes over the session (it closes with 440). */
  replaceConnection(phoneNumber: string): Promise<{ affectedConnections: number }>;
  /** What the session sent (decrypted by the simulated contacts). */
  sentMessages(phoneNumber: string): SentMessage[];
  /** Paired devices of the session's number. */
  devices(phoneNumber: string): PairedDevice[];
}

export function createSandboxControl(sim: WhatsAppSimulator): SandboxControl {
  return {
    get url() {
      return sim.url;
    },
    scanQr: ({ qr, phoneNumber, accountType, name, pushName, history }) => sim.scanQr(qr, { phoneNumber, accountType, name, pushName, history }),
    enterPairingCode: ({ phoneNumber, code }) => sim.enterPairingCode(phoneNumber, code),
    pairingCodeRequestOf: (qr) => sim.pairingCodeRequestOf(qr),
    setAppState: (phoneNumber, update) => sim.setAppState(phoneNumber, update),
    phoneBlock: (phoneNumber, contactPhone, blocked) => {
      sim.phoneBlock(phoneNumber, contactPhone, blocked);
      return sim.blocklistOf(phoneNumber);
    },
    contactLidJid: (phoneNumber) => sim.contacts.byPhoneNumber(phoneNumber)?.lidJid,
    sendAsContact: async ({ from, to, pushName, addressing, ...content }) => {
      const messageId = await sim.contact(from, { pushName }).send(to, content, { addressing });
      return { messageId };
    },
    vote: async ({ from, to, messageId, options, addressing }) => ({ messageId: await sim.contact(from).vote(to, messageId, options, { addressing }) }),
    declareContact: ({ phone, pushName, about, picture }) => {
      const contact = sim.declareContact(phone, { pushName, about, picture });
      return { jid: contact.jid, lidJid: contact.lidJid };
    },
    profileOf: (phoneNumber) => sim.profileOf(phoneNumber),
    offerCall: ({ from, to, video, ringMs }) => ({ callId: sim.offerCall(from, to, { video, ringMs }) }),
    callsOf: (contactPhone) => sim.callsOf(contactPhone),
    react: async ({ from, to, messageId, emoji, addressing }) => ({ messageId: await sim.contact(from).react(to, messageId, emoji, { addressing }) }),
    edit: async ({ from, to, messageId, text, addressing }) => ({ messageId: await sim.contact(from).edit(to, messageId, text, { addressing }) }),
    revoke: async ({ from, to, messageId, addressing }) => ({ messageId: await sim.contact(from).revoke(to, messageId, { addressing }) }),
    sendReceipts: async ({ from, to, messageIds, type, addressing }) => ({ affectedConnections: sim.contact(from).sendReceipts(to, messageIds, type, { addressing }) }),
    failNextDecrypt: async ({ from, to }) => {
      sim.contact(from).failNextDecrypt(to);
    },
    inbox: (contact, from) => sim.inboxOf(contact, from),
    mediaTrust: () => (sim.mediaHost ? sim.mediaTrust() : undefined),
    sendPresence: async ({ from, to, presence }) => {
      sim.contact(from).sendPresence(to, presence);
    },
    removeDevice: async (phoneNumber) => ({ affectedConnections: sim.removeDevice(phoneNumber) }),
    replaceConnection: async (phoneNumber) => ({ affectedConnections: sim.replaceConnection(phoneNumber) }),
    sentMessages: (phoneNumber) => sim.sentMessages(phoneNumber),
    devices: (phoneNumber) => sim.pairedDevices(phoneNumber),
  };
}
