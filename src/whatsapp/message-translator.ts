/**
 * Baileys messages, chats and contacts → the Baileys-free records of conversation-types.ts.
 * Pure functions (no I/O), so they are unit-tested on plain objects.
 */
import { getContentType, normalizeMessageContent, proto, WAMessageStubType, type Chat, type Contact, type WAMessage } from '@whiskeysockets/baileys';
import type { WaChatInfo, WaContact, WaMediaInfo, WaMessageRecord } from './conversation-types.js';
import { wellFormedJson } from '../common/postgres-text.js';
import { isLidJid, phoneFromJid } from './jid.js';
import { mentionsOf, pollVoteOf, richOf } from './message-kinds.js';

const STATUS_NAMES: Record<number, string> = { 0: 'error', 1: 'pending', 2: 'sent', 3: 'delivered', 4: 'read', 5: 'played' };
export const statusName = (n: number | null | undefined): string | undefined => (n === null || n === undefined ? undefined : STATUS_NAMES[n]);

const KINDS: Record<string, string> = {
  conversation: 'text',
  extendedTextMessage: 'text',
  imageMessage: 'image',
  videoMessage: 'video',
  ptvMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
  reactionMessage: 'reaction',
  locationMessage: 'location',
  liveLocationMessage: 'location',
  contactMessage: 'contact',
  contactsArrayMessage: 'contact',
  pollCreationMessage: 'poll',
  pollCreationMessageV2: 'poll',
  pollCreationMessageV3: 'poll',
  pollUpdateMessage: 'poll_vote',
  eventMessage: 'event',
  protocolMessage: 'protocol',
};
const MEDIA_KEYS = ['imageMessage', 'videoMessage', 'ptvMessage', 'audioMessage', 'documentMessage', 'stickerMessage'] as const;
const IGNORED_KEYS = new Set(['messageContextInfo', 'senderKeyDistributionMessage']);

export function toSeconds(ts: unknown): number {
  if (ts === null || ts === undefined) return Math.floor(Date.now() / 1000);
  if (typeof ts === 'number') return ts;
  return Number(String(ts));
}

const b64 = (v: Uint8Array | string | null | undefined): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : Buffer.from(v).toString('base64');
const num = (v: unknown): number | null => (v === null || v === undefined ? null : toSeconds(v));

function contentKey(content: proto.IMessage | undefined): string | undefined {
  if (!content) return undefined;
  const key = getContentType(content);
  if (key && !IGNORED_KEYS.has(key)) return key;
  return Object.keys(content).find((k) => !IGNORED_KEYS.has(k));
}

export function textOfContent(content: proto.IMessage | undefined | null): string | null {
  if (!content) return null;
  return (
    content.conversation ??
    content.extendedTextMessage?.text ??
    content.imageMessage?.caption ??
    content.videoMessage?.caption ??
    content.documentMessage?.caption ??
    null
  );
}

function mediaOf(content: proto.IMessage, key: string | undefined): WaMediaInfo | null {
  if (!key || !(MEDIA_KEYS as readonly string[]).includes(key)) return null;
  const m = content[key as (typeof MEDIA_KEYS)[number]] as Record<string, unknown> & proto.Message.IDocumentMessage;
  const kind = key === 'ptvMessage' ? 'video' : key === 'audioMessage' && (m as proto.Message.IAudioMessage).ptt ? 'voice' : (KINDS[key] ?? 'document');
  return {
    kind,
    mime: m.mimetype ?? null,
    size: num(m.fileLength),
    sha256: b64(m.fileSha256),
    fileEncSha256: b64(m.fileEncSha256),
    mediaKey: b64(m.mediaKey),
    directPath: m.directPath ?? null,
    url: m.url ?? null,
    fileName: m.fileName ?? null,
    caption: (m as { caption?: string | null }).caption ?? null,
    width: (m as { width?: number | null }).width ?? null,
    height: (m as { height?: number | null }).height ?? null,
    duration: (m as { seconds?: number | null }).seconds ?? null,
  };
}

function contextInfoOf(content: proto.IMessage, key: string | undefined): proto.IContextInfo | null {
  if (!key) return null;
  const inner = content[key as keyof proto.IMessage] as { contextInfo?: proto.IContextInfo | null } | null | undefined;
  return inner && typeof inner === 'object' ? (inner.contextInfo ?? null) : null;
}

/** The sender's phone number (digits), never a LID. */
export function senderPhoneOf(key: WAMessage['key']): string | null {
  for (const jid of [key.participant, key.remoteJid, key.participantAlt, key.remoteJidAlt]) {
    if (jid && !isLidJid(jid)) {
      const phone = phoneFromJid(jid);
      if (phone) return phone;
    }
  }
  return null;
}

export function encodeRaw(msg: WAMessage): Buffer {
  return Buffer.from(proto.WebMessageInfo.encode(msg as proto.IWebMessageInfo).finish());
}

export function decodeRaw(raw: Buffer): WAMessage {
  return proto.WebMessageInfo.decode(raw) as unknown as WAMessage;
}

/** A message as stored; undefined for what is not a message (no id, status broadcast). */
export function translateMessage(msg: WAMessage, ownPhone: string | null): WaMessageRecord | undefined {
  const key = msg.key;
  const remoteJid = key.remoteJid;
  if (!key.id || !remoteJid || remoteJid === 'status@broadcast') return undefined;
  const content = normalizeMessageContent(msg.message);
  const type = contentKey(content) ?? (msg.messageStubType === WAMessageStubType.CIPHERTEXT ? 'ciphertext' : 'unknown');
  const isStub = !content && msg.messageStubType === WAMessageStubType.CIPHERTEXT;
  if (!content && !isStub) return undefined;
  const ctx = content ? contextInfoOf(content, type) : null;
  const reactionMsg = content?.reactionMessage;
  const fromMe = Boolean(key.fromMe);
  // A contact's text may hold a lone UTF-16 surrogate (no character; no JSON or SQL text takes it):
  // U+FFFD in the record, for the store, events and callbacks alike; the raw message keeps it.
  return wellFormedJson<WaMessageRecord>({
    id: key.id,
    remoteJid,
    remoteJidAlt: key.remoteJidAlt ?? null,
    fromMe,
    // Baileys gives DMs an empty participant.
    senderJid: fromMe ? null : (key.participant || remoteJid),
    senderPhone: fromMe ? ownPhone : senderPhoneOf(key),
    pushName: msg.pushName ?? null,
    timestamp: toSeconds(msg.messageTimestamp),
    type,
    kind: isStub ? 'ciphertext' : (KINDS[type] ?? type.replace(/Message$/, '')),
    text: textOfContent(content),
    status: statusName(msg.status) ?? (fromMe ? 'sent' : null),
    quotedId: ctx?.stanzaId ?? null,
    forwarded: Boolean(ctx?.isForwarded),
    mentions: mentionsOf(ctx),
    isStub,
    media: content ? mediaOf(content, type) : null,
    reaction: reactionMsg?.key?.id ? { targetId: reactionMsg.key.id, emoji: reactionMsg.text || null } : null,
    rich: richOf(content),
    pollVote: pollVoteOf(msg, content),
    isProtocol: type === 'protocolMessage',
    raw: encodeRaw(msg),
  });
}

export function translateContact(c: Partial<Contact>): WaContact | undefined {
  // A history conversation is also reported as a contact: a group's is no contact.
  if (!c.id || c.id.endsWith('@g.us')) return undefined;
  const lid = c.lid ?? (isLidJid(c.id) ? c.id : null);
  const pn = c.phoneNumber ?? (c.id.endsWith('@s.whatsapp.net') ? c.id : null);
  return wellFormedJson<WaContact>({ id: c.id, lid, phoneNumber: pn, name: c.name ?? null, notify: c.notify ?? null, verifiedName: c.verifiedName ?? null, imgUrl: c.imgUrl && c.imgUrl !== 'changed' ? c.imgUrl : null });
}

export function translateChat(c: Partial<Chat>): WaChatInfo | undefined {
  if (!c.id || c.id === 'status@broadcast') return undefined;
  const pn = (c as { pnJid?: string | null }).pnJid ?? (c.id.endsWith('@s.whatsapp.net') ? c.id : null);
  const lid = (c as { lidJid?: string | null }).lidJid ?? (isLidJid(c.id) ? c.id : null);
  return {
    id: c.id,
    pnJid: pn,
    lidJid: lid,
    name: c.name ?? null,
    unreadCount: c.unreadCount ?? null,
    archived: c.archived ?? null,
    pinned: c.pinned === undefined || c.pinned === null ? null : Boolean(c.pinned),
    mutedUntil: c.muteEndTime === undefined || c.muteEndTime === null ? null : toSeconds(c.muteEndTime),
    conversationTimestamp: c.conversationTimestamp === undefined || c.conversationTimestamp === null ? null : toSeconds(c.conversationTimestamp),
  };
}
