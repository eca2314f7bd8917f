/**
 * Pure translation of Baileys data into the product's domain shapes (seed 002 summaries).
 * Nothing here does I/O, so it is unit-tested on plain objects.
 */
import type { AuthenticationCreds, WAMessage, WAMessageUpdate } from '@whiskeysockets/baileys';
import type { AccountType, MessageStatusUpdate, MessageSummary, PresenceUpdate } from '../events/event-map.js';
import { isLidJid, phoneFromJid } from './jid.js';

/** Baileys' WAMessageStatus numbers → seed 002 names. */
const STATUS_NAMES: Record<number, MessageStatusUpdate['status']> = {
  0: 'error',
  1: 'pending',
  2: 'sent',
  3: 'delivered',
  4: 'read',
  5: 'played',
};

export type InboundMessageType = 'text' | 'image' | 'video' | 'audio' | 'document' | 'sticker' | 'location' | 'contact' | 'other';

/** The message's content type key, e.g. `conversation`, `extendedTextMessage`, `imageMessage`. */
export function contentType(msg: WAMessage): string {
  const content = msg.message ?? {};
  const keys = Object.keys(content).filter((k) => k !== 'messageContextInfo' && k !== 'senderKeyDistributionMessage');
  return keys[0] ?? 'unknown';
}

export function textOf(msg: WAMessage): string | null {
  const m = msg.message;
  if (!m) return null;
  return (
    m.conversation ??
    m.extendedTextMessage?.text ??
    m.imageMessage?.caption ??
    m.videoMessage?.caption ??
    m.documentMessage?.caption ??
    m.deviceSentMessage?.message?.conversation ??
    m.deviceSentMessage?.message?.extendedTextMessage?.text ??
    null
  );
}

export function inboundType(msg: WAMessage): InboundMessageType {
  switch (contentType(msg)) {
    case 'conversation':
    case 'extendedTextMessage':
      return 'text';
    case 'imageMessage':
      return 'image';
    case 'videoMessage':
      return 'video';
    case 'audioMessage':
      return 'audio';
    case 'documentMessage':
    case 'documentWithCaptionMessage':
      return 'document';
    case 'stickerMessage':
      return 'sticker';
    case 'locationMessage':
    case 'liveLocationMessage':
      return 'location';
    case 'contactMessage':
    case 'contactsArrayMessage':
      return 'contact';
    default:
      return 'other';
  }
}

const toSeconds = (ts: WAMessage['messageTimestamp']): number => {
  if (ts === null || ts === undefined) return Math.floor(Date.now() / 1000);
  return typeof ts === 'number' ? ts : Number(ts.toString());
};

export function summarizeMessage(msg: WAMessage): MessageSummary {
  const remoteJid = msg.key.remoteJid ?? '';
  return {
    id: msg.key.id ?? '',
    remoteJid,
    remoteJidAlt: msg.key.remoteJidAlt ?? null,
    fromMe: Boolean(msg.key.fromMe),
    timestamp: toSeconds(msg.messageTimestamp),
    type: contentType(msg),
    text: textOf(msg),
    pushName: msg.pushName ?? null,
  };
}

/** The sender's phone number (digits) of an inbound 1:1 message, resolving LID addressing. */
export function senderPhoneOf(msg: WAMessage): string | null {
  const key = msg.key;
  const candidates = [key.participant, key.remoteJid, key.participantAlt, key.remoteJidAlt];
  for (const jid of candidates) {
    if (jid && !isLidJid(jid)) {
      const phone = phoneFromJid(jid);
      if (phone) return phone;
    }
  }
  return null;
}

/** Messages worth reporting: real content, not protocol noise or status broadcasts. */
export function isReportable(msg: WAMessage): boolean {
  const jid = msg.key.remoteJid ?? '';
  if (!msg.key.id || !jid || jid === 'status@broadcast') return false;
  const type = contentType(msg);
  return !['protocolMessage', 'reactionMessage', 'unknown', 'senderKeyDistributionMessage'].includes(type);
}

export function statusUpdateOf(update: WAMessageUpdate): MessageStatusUpdate | null {
  const status = update.update.status;
  if (status === null || status === undefined) return null;
  const name = STATUS_NAMES[status];
  if (!name || !update.key.id) return null;
  return { messageId: update.key.id, remoteJid: update.key.remoteJid ?? '', status: name, statusAt: Math.floor(Date.now() / 1000) };
}

export function presenceUpdatesOf(presences: Record<string, { lastKnownPresence: string; lastSeen?: number }>): PresenceUpdate[] {
  return Object.entries(presences).map(([jid, p]) => ({
    jid,
    presence: p.lastKnownPresence as PresenceUpdate['presence'],
    lastSeen: p.lastSeen ?? null,
  }));
}

export interface AccountInfo {
  phone: string | null;
  whatsappUserId: string | null;
  lid: string | null;
  deviceName: string | null;
  accountType: AccountType;
  platform: string | null;
}

/** What the paired account is, from Baileys' credentials (set at pairing, kept afterwards). */
export function accountInfoOf(creds: Partial<AuthenticationCreds>): AccountInfo {
  const me = creds.me;
  const id = me?.id ?? null;
  const phone = id ? (id.split('@')[0]?.split(':')[0] ?? null) : null;
  const platform = creds.platform ?? null;
  // WhatsApp names the account at pairing only for business accounts (`<biz name>` → me.name).
  const business = Boolean(me?.name) || Boolean(me?.verifiedName) || Boolean(platform && /^smb/i.test(platform));
  return {
    phone: phone && /^\d+$/.test(phone) ? phone : null,
    whatsappUserId: id,
    lid: me?.lid ?? null,
    deviceName: me?.name ?? me?.notify ?? me?.verifiedName ?? null,
    accountType: business ? 'business' : 'personal',
    platform,
  };
}
