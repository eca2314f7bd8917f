/**
 * The typed map of domain events. Names and payloads of the public ones follow seed 002 (they
 * reach the SPA as-is over Socket.io); a consumer subscribes by name and gets the typed payload.
 * A new event type is added here and nowhere else.
 */
export type SessionStatus =
  | 'init'
  | 'qr_required'
  | 'connecting'
  | 'connected'
  | 'disconnected'
  | 'expired'
  | 'logged_out'
  | 'error';

export const SESSION_STATUSES: readonly SessionStatus[] = [
  'init', 'qr_required', 'connecting', 'connected', 'disconnected', 'expired', 'logged_out', 'error',
];

export type AccountType = 'personal' | 'business';

/** Seed 002's `SessionPrimitives` (session.snapshot). */
export interface SessionPrimitives {
  id: string;
  tenantId: string;
  status: SessionStatus;
  phone: string | null;
  qr: string | null;
  qrExpiresAt: string | null;
  connectedAt: string | null;
  disconnectedAt: string | null;
  disconnectedReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MessageSummary {
  id: string;
  remoteJid: string;
  /** The contact's phone-number JID when WhatsApp addressed the chat by LID. */
  remoteJidAlt?: string | null;
  fromMe: boolean;
  timestamp: number;
  type: string;
  text: string | null;
  pushName?: string | null;
  /** The canonical chat (PN and LID addresses merged). */
  chatJid?: string;
  kind?: string;
  status?: string | null;
  quotedMessageId?: string | null;
  forwarded?: boolean;
  /** Additive: who wrote it (a group's participant; null for your own). */
  senderJid?: string | null;
  /** Additive: the sender's phone (digits), never a LID where the PN is known. */
  senderPhone?: string | null;
  /** Additive (CONTRACT Part 3 "Every message kind"): each null when the message has none. */
  location?: MessageLocation | null;
  contacts?: MessageContactCard[] | null;
  /** The poll's question and options; results arrive with `session.messages.poll`. */
  poll?: { name: string; selectableCount: number; options: Array<{ name: string; votes: number; voters: string[] }>; totalVotes: number } | null;
  linkPreview?: { url: string; title: string | null; description: string | null } | null;
  event?: { name: string; description: string | null; startAt: string | null } | null;
  mentions?: string[];
}

export interface MessageLocation {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
  url: string | null;
  live: boolean;
}

export interface MessageContactCard {
  displayName: string | null;
  vcard: string;
  phones: string[];
}

/** One voter's current choice on a poll (`options` [] when the vote was withdrawn). */
export interface PollVoteSummary {
  /** The poll message. */
  messageId: string;
  chatJid: string;
  voterJid: string;
  options: string[];
  /** Unix seconds, the voter's clock. */
  at: number;
  /** Additive: the vote message's own id. */
  voteMessageId: string;
}

export interface MessageEditSummary {
  messageId: string;
  chatJid: string;
  type: string;
  text: string | null;
  editedAt: number;
}

export interface MessageDeleteSummary {
  messageId: string;
  chatJid: string;
  deletedAt: number;
}

export interface ReactionSummary {
  messageId: string;
  chatJid: string;
  actorJid: string;
  fromMe: boolean;
  emoji: string | null;
  reactedAt: number;
  removed: boolean;
}

export interface ContactSummary {
  id: string;
  pnJid: string | null;
  lidJid: string | null;
  name: string | null;
  notify: string | null;
  imgUrl: string | null;
}

export interface MessageStatusUpdate {
  messageId: string;
  remoteJid: string;
  chatJid?: string;
  status: 'pending' | 'sent' | 'delivered' | 'read' | 'played' | 'error';
  statusAt: number;
  /** Additive, paced sends only (source `queue`): where the send is in the session's queue. */
  queueStatus?: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  /** Additive, a failed paced send: why. */
  error?: string | null;
  /** Additive, a group member's receipt: who (PN or LID jid, as WhatsApp named them). */
  recipientJid?: string;
  /** Additive, a group member's receipt: their phone (digits) where known. */
  recipientPhone?: string | null;
}

export interface ChatUnreadCount {
  chatJid: string;
  unreadCount: number;
}

/** Seed 002's `media[]` item, plus the media object's id, SHA-256 and file name. */
export interface MessageMediaSummary {
  messageId: string;
  chatJid: string;
  mediaId: string;
  kind: string;
  /** Minted when the event is built (never stored): public base, presigned, or GET /media/:id/content. */
  url: string | null;
  mime: string;
  size: number | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  sha256: string | null;
  fileName: string | null;
}

export interface PresenceUpdate {
  jid: string;
  presence: 'available' | 'unavailable' | 'composing' | 'recording' | 'paused';
  lastSeen: number | null;
}

/** A group participant as the API shows it (CONTRACT Part 3). */
export interface GroupParticipantSummary {
  jid: string;
  pnJid: string | null;
  lidJid: string | null;
  /** Digits; null when WhatsApp gave only a LID. */
  phone: string | null;
  admin: 'admin' | 'superadmin' | null;
}

/** A group as the API shows it (`GET /groups/:jid`). */
export interface GroupSummary {
  jid: string;
  subject: string;
  description: string | null;
  owner: string | null;
  createdAt: string | null;
  size: number;
  announce: boolean;
  restrict: boolean;
  ephemeral: number;
  addressingMode: 'pn' | 'lid';
  iAmAdmin: boolean;
  participants: GroupParticipantSummary[];
}

export interface GroupUpdateSummary {
  jid: string;
  subject?: string;
  description?: string | null;
  announce?: boolean;
  restrict?: boolean;
  ephemeral?: number;
  actorJid: string | null;
  at: string;
}

/** A chat's shared state as one of the account's devices changed it (CONTRACT Part 3 `session.chats.update`). */
export interface ChatStateUpdate {
  jid: string;
  archived?: boolean;
  pinned?: boolean;
  /** Unix seconds, as in the chat; null when not muted. */
  mutedUntil?: number | null;
  unreadCount?: number;
  /** The chat was deleted for this account (with its messages, in our store too). */
  deleted?: true;
}

/** One step of a call to the account (CONTRACT Part 3 `session.call`). */
export interface CallSummary {
  /** WhatsApp's call id. */
  id: string;
  /** The caller's jid (PN or LID, as WhatsApp addressed the call). */
  from: string;
  /** The caller's phone number (digits) when WhatsApp revealed it. */
  fromPhone: string | null;
  isVideo: boolean;
  isGroup: boolean;
  status: 'offer' | 'ringing' | 'timeout' | 'reject' | 'accept' | 'terminate';
  at: string;
}

export interface DomainEventMap {
  'session.created': { tenantId: string; id: string; status: SessionStatus; createdAt: string };
  /** `qr` is the PNG data URL; `qrText` the raw string encoded in it. */
  'session.qr.updated': { tenantId: string; qr: string; qrText: string; expiresAt: string; attempt: number };
  /** A pairing code to enter on the phone (Linked devices › Link with phone number). */
  'session.pairing-code': { tenantId: string; code: string; phoneNumber: string };
  /** Every status transition (internal: SSE, callbacks and metrics derive from it). */
  'session.status.changed': {
    tenantId: string;
    status: SessionStatus;
    previousStatus: SessionStatus;
    reason: string | null;
    statusCode: number | null;
    /** WhatsApp's words for a close (seed 000's `lastDisconnect.error.message`). */
    message: string | null;
    phone: string | null;
    deviceName: string | null;
    accountType: AccountType | null;
    whatsappUserId: string | null;
    /** True only on the first `connected` after a QR scan (a newly paired account). */
    newlyPaired: boolean;
    /** True when the session will try to reconnect by itself. */
    willReconnect: boolean;
    sessionCreatedAt: string;
  };
  'session.status.connected': { tenantId: string; phone: string | null; connectedAt: string };
  'session.status.disconnected': { tenantId: string; reason: string | null; disconnectedAt: string };
  'session.deleted': { tenantId: string };
  'session.messages.upsert': {
    tenantId: string;
    upsertType: 'notify' | 'append';
    requestId: string | null;
    messagesCount: number;
    messages: MessageSummary[];
  };
  /** One inbound message, once per message id (internal: the callbacks to the main backend). */
  'session.message.received': {
    tenantId: string;
    messageId: string;
    /** The session's own phone number (digits). */
    sessionPhone: string | null;
    chatJid: string;
    /** The sender's phone number (digits), never a LID; null when WhatsApp did not reveal it. */
    senderPhone: string | null;
    senderName: string | null;
    /** As WhatsApp names it: text, image, video, audio, document, sticker, reaction, location, contact, poll... */
    messageType: string;
    text: string | null;
    mediaInfo: Record<string, unknown>;
    receivedAt: string;
    /** Additive: a group message (the sender is the participant). */
    isGroup?: boolean;
    /** Additive: the group's subject, when the group is known. */
    groupSubject?: string | null;
  };
  'session.messages.update': {
    tenantId: string; updatesCount: number; updates: MessageStatusUpdate[];
    /** receipt: WhatsApp's receipts; api: our own read receipts (POST /chats/:jid/read); queue: a paced send moved on. */
    source: 'receipt' | 'event' | 'api' | 'queue';
    /** Additive: the unread count of each chat the update changed it in (read receipts we sent). */
    chats?: ChatUnreadCount[];
  };
  'session.presence.update': { tenantId: string; chatJid: string; updatesCount: number; updates: PresenceUpdate[] };
  /** Archive, pin, mute and read/unread of chats, made through the API or on another device (the phone). */
  'session.chats.update': { tenantId: string; updatesCount: number; updates: ChatStateUpdate[]; source: 'api' | 'event' };
  /** Calls to the account: offered, ringing, missed (timeout), rejected, accepted, ended. */
  'session.call': { tenantId: string; calls: CallSummary[] };
  'session.history.sync': {
    tenantId: string;
    syncType: string;
    progress: number | null;
    isLatest: boolean;
    /** 'running' while chunks arrive; 'complete' or 'paused' from WhatsApp's history status. */
    status: 'running' | 'complete' | 'paused';
    chatsCount: number;
    contactsCount: number;
    messagesCount: number;
    messagesTruncated: boolean;
    messages: MessageSummary[];
  };
  'session.messages.edit': { tenantId: string; editsCount: number; edits: MessageEditSummary[] };
  'session.messages.delete': { tenantId: string; scope: 'message' | 'chat'; chatJid?: string; deletesCount: number; deletes: MessageDeleteSummary[] };
  /** Poll votes decrypted and stored (the latest vote of each voter wins). */
  'session.messages.poll': { tenantId: string; votesCount: number; votes: PollVoteSummary[] };
  'session.messages.reaction': { tenantId: string; reactionsCount: number; reactions: ReactionSummary[]; source: 'event' | 'api' };
  'session.contacts.upsert': { tenantId: string; contactsCount: number; contactsTruncated: boolean; contacts: ContactSummary[]; source: 'event' | 'history' };
  /** Media of messages stored (downloaded automatically: `event`; asked for: `on_demand`). */
  'session.messages.media': { tenantId: string; mediaCount: number; media: MessageMediaSummary[]; source: 'event' | 'on_demand' };
  /** Groups created, joined, or read in full from WhatsApp (at connect, after a notification). */
  'session.groups.upsert': { tenantId: string; groupsCount: number; groups: GroupSummary[] };
  'session.groups.update': { tenantId: string; updatesCount: number; updates: GroupUpdateSummary[] };
  'session.groups.participants': {
    tenantId: string; groupJid: string; action: 'add' | 'remove' | 'promote' | 'demote' | 'leave' | 'join';
    participants: GroupParticipantSummary[]; actorJid: string | null; at: string;
  };
  /**
   * A webhook subscription was disabled by us (`failing`: WEBHOOK_DISABLE_AFTER_HOURS without a
   * success; `gone`: its endpoint answered 410). Belongs to no session: `sessionId` is NO_SESSION_ID.
   */
  'webhook.disabled': { tenantId: string; webhookId: string; url: string; reason: 'failing' | 'gone'; failingSince: string | null; disabledAt: string };
}

/** The `sessionId` of events that belong to no session (webhook.disabled, webhook.test). */
export const NO_SESSION_ID = '00000000-0000-0000-0000-000000000000';

export type DomainEventType = keyof DomainEventMap;

/** Seed 002's envelope. */
export interface DomainEvent<K extends DomainEventType = DomainEventType> {
  type: K;
  sessionId: string;
  eventId: string;
  occurredOn: string;
  /**
   * Cluster mode only (additive): the session's event sequence number, 1, 2, 3… over its public
   * events, given by its owner in the committing transaction and kept in PostgreSQL, so it keeps
   * growing across a takeover. A gap tells a client it missed an event.
   */
  seq?: number;
  payload: DomainEventMap[K];
}

/**
 * THE registry of public event types: the SPA receives them over Socket.io under the name equal
 * to `type`, `/ws/sessions` sends them, and webhook subscriptions can choose them (an unknown
 * name is a 400 listing these). A new event type is added here and reaches all three.
 */
export const PUBLIC_EVENT_TYPES = [
  'session.created',
  'session.qr.updated',
  'session.pairing-code',
  'session.status.connected',
  'session.status.disconnected',
  'session.messages.upsert',
  'session.messages.update',
  'session.presence.update',
  'session.history.sync',
  'session.messages.edit',
  'session.messages.delete',
  'session.messages.reaction',
  'session.messages.poll',
  'session.contacts.upsert',
  'session.messages.media',
  'session.groups.upsert',
  'session.groups.update',
  'session.groups.participants',
  'session.call',
  'session.chats.update',
  'webhook.disabled',
] as const satisfies readonly DomainEventType[];

/**
 * Public events published with `DomainEvents.publish` (nothing is written with them, so there is
 * no transaction to join): subscriptions queue them right after, in a transaction of their own.
 */
export const PUBLISHED_WITHOUT_TRANSACTION: readonly DomainEventType[] = ['session.presence.update', 'session.call'];
