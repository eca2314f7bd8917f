/**
 * The control surface the product uses in sandbox mode (in-process, no HTTP): play the phone that
 * scans a QR, play a contact that writes, and trigger the phone-side events a real account sees.
 * Everything is keyed by the session's phone number (or by the QR string for a scan). The product
 * depends on the `SandboxControl` interface only; `createSandboxControl` binds it to a simulator.
 */
import type { WhatsAppSimulator } from './simulator.js';
import type { ContactMedia, ContactReceiptType } from './contact-actions.js';
import type { ContactInbox } from './inbox.js';
import type { MediaTrust } from './media-host.js';
import type { AccountType, PairedDevice, PresenceKind, SentMessage } from './types.js';

export interface SandboxScanRequest {
  /** The QR string Baileys emitted in `connection.update`. */
  qr: string;
  /** The phone number that "scans" it (the session's number from then on). */
  phoneNumber: string;
  accountType?: AccountType;
  /** Business name (business accounts). */
  name?: string;
}

export interface SandboxSendRequest {
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
  /** A contact sends a text to the session; resolves with the WhatsApp message id. */
  sendAsContact(request: SandboxSendRequest): Promise<{ messageId: string }>;
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
    scanQr: ({ qr, phoneNumber, accountType, name }) => sim.scanQr(qr, { phoneNumber, accountType, name }),
    sendAsContact: async ({ from, to, text, media, quotedMessageId, pushName, addressing }) => {
      const messageId = await sim.contact(from, { pushName }).send(to, { text, media, quotedMessageId }, { addressing });
      return { messageId };
    },
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
