/**
 * Baileys-free shapes of what a WhatsApp socket reports about conversations, and the sink a
 * session hands its connection (implemented by the chats module). `raw` is the protobuf-encoded
 * WebMessageInfo, kept for getMessage (retry receipts), replies and forwards.
 */
import type { EntityManager } from 'typeorm';

export interface WaMediaInfo {
  kind: string;
  mime: string | null;
  size: number | null;
  sha256: string | null;
  fileEncSha256: string | null;
  mediaKey: string | null;
  directPath: string | null;
  url: string | null;
  fileName: string | null;
  caption: string | null;
  width: number | null;
  height: number | null;
  duration: number | null;
}

export interface WaLocation {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
  url: string | null;
  live: boolean;
}

export interface WaContactCard {
  displayName: string | null;
  vcard: string;
  /** Digits; the vCard's `waid` when it has one. */
  phones: string[];
}

/** Rich kinds a message carries (each absent when not). */
export interface WaRichContent {
  location?: WaLocation;
  contacts?: WaContactCard[];
  poll?: { name: string; selectableCount: number; options: string[] };
  linkPreview?: { url: string; title: string | null; description: string | null };
  event?: { name: string; description: string | null; startAt: string | null };
}

/** An encrypted poll vote (pollUpdateMessage): decrypted with the poll's secret when stored. */
export interface WaPollVote {
  pollId: string;
  encPayload: string;
  encIv: string;
  votedAtMs: number;
  /** The jids the voter may have signed with (PN and LID); empty for our own votes. */
  voterJids: string[];
}

export interface WaMessageRecord {
  id: string;
  /** The jid the message was addressed with (PN, LID or group). */
  remoteJid: string;
  /** The other address of the same chat when WhatsApp gave it (PN for a LID chat, or the reverse). */
  remoteJidAlt: string | null;
  fromMe: boolean;
  senderJid: string | null;
  senderPhone: string | null;
  pushName: string | null;
  timestamp: number;
  /** WhatsApp's content key: conversation, extendedTextMessage, imageMessage, ... */
  type: string;
  /** text | image | video | audio | document | sticker | reaction | location | contact | poll | ... */
  kind: string;
  text: string | null;
  status: string | null;
  quotedId: string | null;
  forwarded: boolean;
  /** The jids the message mentions (groups, and 1:1 too); absent: none. */
  mentions?: string[];
  isStub: boolean;
  media: WaMediaInfo | null;
  /** Set for a reaction message (stored as a reaction, not a message row). */
  reaction: { targetId: string; emoji: string | null } | null;
  /** Location, contact cards, poll, link preview, event (mentions are `mentions`, above). */
  rich?: WaRichContent | null;
  /** Set for a poll vote (stored as a vote, not a message row). */
  pollVote?: WaPollVote | null;
  /** Protocol messages (edits, revokes, key shares): not stored as messages. */
  isProtocol: boolean;
  raw: Buffer;
}

export interface WaMessageChange {
  id: string;
  remoteJid: string;
  status?: string;
  statusAt?: number;
  edit?: { text: string | null; type: string; editedAt: number };
  revokedAt?: number;
}

/** One recipient's receipt for one of the session's messages. */
export interface WaReceipt {
  remoteJid: string;
  id: string;
  /** The recipient: a group member (as WhatsApp named them: PN or LID), or the 1:1 contact. */
  recipientJid: string;
  status: 'delivered' | 'read' | 'played';
  at: number;
}

export interface WaReaction {
  targetId: string;
  remoteJid: string;
  actorJid: string;
  fromMe: boolean;
  emoji: string | null;
  reactedAt: number;
}

export interface WaContact {
  id: string;
  lid: string | null;
  phoneNumber: string | null;
  name: string | null;
  notify: string | null;
  verifiedName: string | null;
  imgUrl: string | null;
}

export interface WaChatInfo {
  id: string;
  pnJid: string | null;
  lidJid: string | null;
  name: string | null;
  unreadCount: number | null;
  archived: boolean | null;
  pinned: boolean | null;
  mutedUntil: number | null;
  conversationTimestamp: number | null;
}

export interface LidPnPair {
  lid: string;
  pn: string;
}

export interface WaHistoryChunk {
  syncType: string;
  progress: number | null;
  isLatest: boolean;
  /** The last slice of one `messaging-history.set` (one history notification). */
  lastSlice: boolean;
  chats: WaChatInfo[];
  contacts: WaContact[];
  messages: WaMessageRecord[];
  mappings: LidPnPair[];
}

export interface WaPresence {
  jid: string;
  presence: 'available' | 'unavailable' | 'composing' | 'recording' | 'paused';
  lastSeen: number | null;
}

/** What one session's connection feeds into the store (implemented by chats/). */
export interface ConversationSink {
  history(chunk: WaHistoryChunk): Promise<void>;
  historyStatus(syncType: string, status: 'complete' | 'paused'): Promise<void>;
  messages(type: 'notify' | 'append', messages: WaMessageRecord[], requestId: string | null): Promise<void>;
  changes(changes: WaMessageChange[]): Promise<void>;
  /** Per-recipient receipts of the session's messages (groups: each member; 1:1: the contact). */
  receipts?(receipts: WaReceipt[]): Promise<void>;
  contacts(contacts: WaContact[]): Promise<void>;
  chats(chats: WaChatInfo[]): Promise<void>;
  mappings(pairs: LidPnPair[]): Promise<void>;
  presence(chatJid: string, updates: WaPresence[]): void;
  /** The stored raw WebMessageInfo of a message, or undefined (never a placeholder). */
  rawMessage(remoteJid: string, id: string): Promise<Buffer | undefined>;
}

export interface SessionContext {
  sessionId: string;
  tenantId: string;
  sessionPhone(): string | null;
}

/** Creates the sink of one session and wipes a session's conversations (logout, delete). */
export interface ConversationStorePort {
  forSession(ctx: SessionContext): ConversationSink;
  wipe(manager: EntityManager, sessionId: string): Promise<void>;
}
