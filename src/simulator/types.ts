/** Public types of the WhatsApp Web simulator. */
import type { proto } from '@whiskeysockets/baileys';
import type { KeyPair } from './certificates.js';
import type { AppStateMutation } from './app-state.js';
import type { HistoryOptions } from './history.js';
import type { SentDecoded } from './inbox.js';
import type { MediaHostOptions } from './media-host.js';
import type { SimulatorState } from './registry.js';
import type { GroupEventMap } from './groups/group-events.js';

export type AccountType = 'personal' | 'business';

/** The subset of a pino logger the simulator uses (pass a pino instance or omit for silence). */
export interface SimLogger {
  trace(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface AutoReceiptsOptions {
  /** Delay before the contact's delivery receipt (status 3); `false` disables it. Default 150 ms. */
  deliveredAfterMs?: number | false;
  /** Delay before the contact's read receipt (status 4); `false` disables it. Default 300 ms. */
  readAfterMs?: number | false;
}

export interface SimulatorOptions {
  /** Loopback port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** How many QR refs the server sends to a registering client (default 6). The client decides each ref's lifetime (`qrTimeout`). */
  qrRefCount?: number;
  /** Contacts answer the session's messages with delivery/read receipts automatically (default true). */
  autoReceipts?: boolean | AutoReceiptsOptions;
  /** Paired devices to start with: a `saveDevices()` object or the path of a JSON file written by `saveDevicesToFile()`. */
  devices?: SimulatorState | string;
  /** Unknown numbers the session writes to become simulated contacts on demand (default true). */
  autoCreateContacts?: boolean;
  /**
   * Send the app-state key share and the account's history (its fixture, or an empty one) after the
   * first login of a new device, so the client runs its initial app-state sync and leaves its
   * AwaitingInitialSync hold at once instead of after 20 s. 'first-login' (default), 'always' or 'never'.
   */
  historySync?: 'first-login' | 'always' | 'never';
  /** Queue messages for devices that are not connected and deliver them at their next login (default true). */
  offlineQueue?: boolean;
  /**
   * Keep each contact message handed to a connection until the device's receipt, and queue it again
   * (offline) when the connection closes without one, as WhatsApp does (default false); the offline
   * queue then keeps up to 100,000 messages per device instead of 500. The crash drills turn it on.
   */
  redeliverUnacked?: boolean;
  /**
   * The own phone Signal-encrypts its key share and history notifications to the companion, as
   * WhatsApp does, instead of the `<plaintext>` shortcut (default false: large histories are
   * cheaper in plaintext). The crash drills turn it on.
   */
  encryptOwnPhone?: boolean;
  /**
   * Root key of the simulator's Noise certificate chain (default: the well-known SIMULATOR_ROOT_KEY,
   * which the app trusts only in sandbox mode or through WA_TRUSTED_ROOT_PUBLIC_KEY). Another one
   * plays a server WhatsApp never certified: the app must refuse it at the handshake.
   */
  rootKey?: KeyPair;
  /**
   * Use this static Noise key while the certificate chain's leaf certifies another (a man in the
   * middle replaying a genuine chain): the app must refuse it at the handshake. Off by default.
   */
  uncertifiedStaticKey?: KeyPair;
  /** Pino-compatible logger; the simulator is silent without one. */
  logger?: SimLogger;
  /**
   * Prekey count the server reports for a newly paired device at its first login. 0 (default) is what
   * the real server says, and the client then uploads 812 prekeys; 6 or more skips that upload (and
   * Baileys' uncancelled 30 s upload timer), at the price of contacts starting sessions without a
   * one-time prekey. Handy for load tests.
   */
  initialPreKeyCount?: number;
  /** The HTTPS media host (on by default; `false` turns it off and media_conn is then refused). */
  media?: MediaHostOptions | false;
  /** Kept per session phone number (oldest dropped first). Default 1000. */
  maxRecordedMessagesPerSession?: number;
}

export interface ScanOptions {
  /** The account's phone number, digits only (a leading + is stripped). */
  phoneNumber: string;
  accountType?: AccountType;
  /** Business name (sent as `<biz name>` for a business account; Baileys keeps it as `me.name`). */
  name?: string;
  /**
   * The phone's push name (profile name). The client learns it as `creds.me.name` through an app-state
   * `pushNameSetting` and the `notify` attribute of own-phone messages. Default: the business name
   * for a business account, none for a personal one.
   */
  pushName?: string;
  /** History fixture delivered at the device's first login (default: none, an empty history). */
  history?: HistoryOptions;
  /** Account LID user (digits); random when the account is new. */
  lid?: string;
  /** Phone platform announced in pair-success (default 'android', or 'smba' for business). */
  platform?: string;
  /** How long to wait for the client's pair-device-sign reply (default 15 s). */
  timeoutMs?: number;
}

export interface PairedDevice {
  phoneNumber: string;
  deviceId: number;
  /** `<pn>:<device>@s.whatsapp.net` */
  jid: string;
  /** Account LID user (digits). */
  lid: string;
  /** `<lid>:<device>@lid` */
  lidJid: string;
  platform: string;
  accountType: AccountType;
  name?: string;
  /** The phone's push name, when it has one. */
  pushName?: string;
  keyIndex: number;
}

export interface ContactOptions {
  pushName?: string;
  /** LID user (digits), random by default. */
  lid?: string;
}

export interface SendTextOptions {
  /** 'pn' (default): from `<pn>@s.whatsapp.net` with `sender_lid`; 'lid': from `<lid>@lid` with `sender_pn`. */
  addressing?: 'pn' | 'lid';
  /** Send a `<plaintext>` payload (skips Signal; for load tests). */
  plaintext?: boolean;
  /** Message id (default: a random one). */
  id?: string;
}

export type PresenceKind = 'available' | 'unavailable' | 'composing' | 'recording' | 'paused';

/** A message a session sent, as the simulator decrypted it (and decoded: kind, reply, media...). */
export interface SentMessage extends Partial<SentDecoded> {
  /** The contact was told to fail this decryption and asked the session for a retry. */
  retryRequested?: boolean;
  id: string;
  /** Phone number of the session (account) that sent it. */
  from: string;
  fromDevice: number;
  /** The stanza's `to` (a PN or LID chat jid). */
  to: string;
  /** The recipient contact's phone number, when it is a simulated contact. */
  toPhoneNumber?: string;
  /** Text of a conversation / extendedText message. */
  text?: string;
  /** The decrypted message for the recipient (or the own-phone copy's inner message). */
  message?: proto.IMessage;
  /** Which parties decrypted a copy: the contact and/or the account's own phone (deviceSentMessage). */
  decryptedBy: ('contact' | 'phone')[];
  /** Enc types seen per recipient jid (pkmsg / msg). */
  encTypes: Record<string, string>;
  timestamp: number;
}

export interface SessionReceipt {
  phoneNumber: string;
  deviceId: number;
  messageIds: string[];
  /** Receipt type attribute ('' for a plain delivery receipt). */
  type: string;
  to?: string;
}

export interface ConnectionInfo {
  phoneNumber: string;
  deviceId: number;
}

export type CloseReason = 'client' | 'server' | 'fault' | 'failure' | 'stopped';

export interface SimulatorEventMap extends GroupEventMap {
  /** A registering client got its QR refs. */
  qr: { refs: string[] };
  /** A registering companion asked for a pairing code for this number (`requestPairingCode`). */
  pairingCodeRequested: { phoneNumber: string };
  /** A phone scanned a QR: the device is registered (pair-device-sign received). */
  paired: PairedDevice;
  /** A known device logged in (`success` sent). */
  loggedIn: ConnectionInfo;
  /** The client finished what it asks before `connection: 'open'` (prekeys, passive, digest). */
  opened: ConnectionInfo;
  /** A login was refused with 401 (unknown device). */
  loginRejected: ConnectionInfo;
  /** A client announcing another version than `requireClientVersion`'s was refused with 405. */
  versionRejected: { version: string; required: string };
  /** The simulator decrypted a message a session sent. */
  message: SentMessage;
  /** A contact's message was handed to the account's devices (queued for offline ones); enc type per device id. */
  inbound: { id: string; from: string; to: string; text: string; encTypes: Record<number, string> };
  /** A contact failed a decryption on purpose and asked the session to re-send (`receipt type="retry"`). */
  retryRequested: { id: string; from: string; to: string };
  /** A contact encrypted a message again and re-sent it, answering a session's retry receipt. `to` = the session's phone number. */
  inboundRetried: { id: string; from: string; to: string };
  /** A session sent a chat state to a contact (`to` set) or its presence (`to` absent). */
  presence: { from: string; to?: string; presence: string };
  /** The session acked a retry receipt (after re-sending the message, or deciding not to). `to` = the contact jid. */
  retryAnswered: { id: string; from: string; to: string };
  /** A session acknowledged an inbound message with a receipt. */
  receipt: SessionReceipt;
  /** An app-state mutation was recorded: made on the phone, or a session's own patch (decoded). */
  appState: AppStateMutation;
  /** The own phone handed the last history chunk of a first login to the device's socket. */
  historySent: ConnectionInfo & { chunks: number; messages: number };
  /** A connection closed (phoneNumber/deviceId are set once logged in). */
  closed: Partial<ConnectionInfo> & { reason: CloseReason };
  /** A session changed its account's profile picture (id, null when removed) or about text. */
  profile: { phoneNumber: string; picture?: string | null; about?: string };
  /** A session blocked or unblocked someone: the account's whole blocklist now. */
  blocklist: { phoneNumber: string; blocklist: string[] };
  /** A contact's message (or call: `id` is the call id) was not delivered: the account blocked the contact. */
  inboundBlocked: { id: string; from: string; to: string };
  /** A session checked numbers (usync `contact`, Baileys' onWhatsApp): the numbers asked, as sent. */
  numberCheck: { phoneNumber: string; numbers: string[] };
  /** A session subscribed to a contact's presence. */
  presenceSubscribe: { phoneNumber: string; contact: string };
  /** A call changed state (calls.ts): offered by a contact, rejected by the session, timed out, ended. */
  call: CallRecord;
}

/** A call a contact placed to a session, as the caller saw it. */
export interface CallRecord {
  callId: string;
  /** The caller (contact) phone number. */
  from: string;
  /** The session's phone number. */
  to: string;
  isVideo: boolean;
  status: 'ringing' | 'rejected' | 'timeout' | 'ended';
  offeredAt: number;
  endedAt?: number;
  /** The session device that rejected it. */
  rejectedBy?: number;
}
