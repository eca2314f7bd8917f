/**
 * What sessions send, decoded per contact (WA-PROTOCOL-2 §4a, §6b): the kind of each message
 * (text, media, reaction, edit, revoke), its reply/forward context, media decrypted from the media
 * host (sha256, size, the bytes), and the receipts and chat states the session sent the contact.
 */
import { proto, type MediaType } from '@whiskeysockets/baileys';
import { children, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimulatorCore } from './core.js';
import { decryptMedia, sha256 } from './media-crypto.js';
import type { MediaHost } from './media-host.js';
import { decodeRich, type DecodedRich } from './message-kinds.js';
import type { SentMessage, SessionReceipt, SimLogger } from './types.js';

export type SentKind = 'text' | 'media' | 'reaction' | 'edit' | 'revoke' | 'protocol' | 'location' | 'contacts' | 'poll' | 'vote' | 'event' | 'other';
export type MediaKind = 'image' | 'video' | 'audio' | 'ptt' | 'document' | 'sticker';

export interface SentMedia {
  kind: MediaKind;
  mimetype?: string;
  caption?: string;
  fileName?: string;
  /** Hex sha256 of the decrypted bytes (absent if the file could not be fetched or decrypted). */
  sha256?: string;
  size?: number;
  /** The decrypted bytes. */
  bytes?: Buffer;
  /** Why the bytes are missing. */
  error?: string;
}

/** The decoded part of a `SentMessage` (rich kinds: message-kinds.ts). */
export interface SentDecoded extends DecodedRich {
  kind: SentKind;
  /** Stanza attributes `type` and `edit`. */
  stanzaType?: string;
  editAttr?: string;
  quotedId?: string;
  forwarded: boolean;
  media?: SentMedia;
  reaction?: { messageId: string; emoji: string };
  edit?: { messageId: string; text?: string };
  revoke?: { messageId: string };
}

export interface InboxReceipt {
  type: 'delivered' | 'read' | 'played';
  messageIds: string[];
  at: number;
}
export interface InboxPresence {
  presence: string;
  at: number;
}
export interface InboxMessage extends SentDecoded {
  id: string;
  text?: string;
  /** Who decrypted a copy: the contact and/or the session's own phone. */
  decryptedBy: ('contact' | 'phone')[];
  timestamp: number;
}
/** What one contact received from one session. */
export interface ContactInbox {
  messages: InboxMessage[];
  /** Receipts the session sent for the contact's messages (delivered / read / played). */
  receipts: InboxReceipt[];
  /** Chat states the session sent to this contact, and its presence. */
  presence: InboxPresence[];
}

const MEDIA_FIELDS: [keyof proto.IMessage, MediaKind, MediaType][] = [
  ['imageMessage', 'image', 'image'],
  ['videoMessage', 'video', 'video'],
  ['audioMessage', 'audio', 'audio'],
  ['documentMessage', 'document', 'document'],
  ['stickerMessage', 'sticker', 'sticker'],
];
const MAX_EVENTS_PER_PAIR = 500;

type MediaLike = proto.Message.IImageMessage & { ptt?: boolean | null; fileName?: string | null; directPath?: string | null };

export async function decodeSent(message: proto.IMessage | undefined, stanza: BinaryNode, host: MediaHost | undefined, logger: SimLogger): Promise<SentDecoded> {
  const out: SentDecoded = { kind: 'other', stanzaType: stanza.attrs.type, editAttr: stanza.attrs.edit, forwarded: false };
  const m = message?.ephemeralMessage?.message ?? message?.viewOnceMessage?.message ?? message;
  if (!m) return out;
  let context: proto.IContextInfo | null | undefined;
  if (m.reactionMessage) {
    out.kind = 'reaction';
    out.reaction = { messageId: m.reactionMessage.key?.id ?? '', emoji: m.reactionMessage.text ?? '' };
  } else if (m.protocolMessage) {
    const p = m.protocolMessage;
    const target = p.key?.id ?? '';
    if (p.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
      out.kind = 'edit';
      out.edit = { messageId: target, text: p.editedMessage?.conversation ?? p.editedMessage?.extendedTextMessage?.text ?? undefined };
    } else if (p.type === proto.Message.ProtocolMessage.Type.REVOKE) {
      out.kind = 'revoke';
      out.revoke = { messageId: target };
    } else out.kind = 'protocol';
  } else if (decodeRich(m)) {
    const rich = decodeRich(m)!;
    out.kind = rich.kind;
    Object.assign(out, rich.fields);
    const inner = m.locationMessage ?? m.liveLocationMessage ?? m.contactMessage ?? m.contactsArrayMessage ?? m.extendedTextMessage ?? m.eventMessage;
    context = inner?.contextInfo;
  } else if (m.conversation !== null && m.conversation !== undefined) {
    out.kind = 'text';
  } else if (m.extendedTextMessage) {
    out.kind = 'text';
    context = m.extendedTextMessage.contextInfo;
  } else {
    for (const [field, kind, type] of MEDIA_FIELDS) {
      const media = m[field] as MediaLike | null | undefined;
      if (!media) continue;
      out.kind = 'media';
      context = media.contextInfo;
      out.media = await decryptSentMedia(media, kind === 'audio' && media.ptt ? 'ptt' : kind, type, host, logger);
      break;
    }
  }
  out.quotedId = context?.stanzaId ?? undefined;
  out.forwarded = !!context?.isForwarded;
  return out;
}

async function decryptSentMedia(media: MediaLike, kind: MediaKind, type: MediaType, host: MediaHost | undefined, logger: SimLogger): Promise<SentMedia> {
  const out: SentMedia = { kind, mimetype: media.mimetype ?? undefined, caption: media.caption ?? undefined, fileName: media.fileName ?? undefined };
  const file = media.directPath ? host?.fetch(media.directPath) : undefined;
  if (!file || !media.mediaKey) {
    out.error = 'the media file is not on the simulator media host';
    return out;
  }
  try {
    const bytes = await decryptMedia(file, media.mediaKey, type);
    Object.assign(out, { bytes, size: bytes.length, sha256: sha256(bytes).toString('hex') });
  } catch (err) {
    out.error = (err as Error).message;
    logger.warn({ err }, 'simulator could not decrypt media a session sent');
  }
  return out;
}

const RECEIPT_TYPES: Record<string, InboxReceipt['type'] | undefined> = { '': 'delivered', inactive: 'delivered', read: 'read', 'read-self': 'read', played: 'played' };

/** Receipts and chat states sessions send to contacts, kept per (contact, session). */
export class Inbox {
  private readonly receipts = new Map<string, InboxReceipt[]>();
  private readonly presence = new Map<string, InboxPresence[]>();

  constructor(private readonly core: SimulatorCore) {
    core.events.on('receipt', (r) => this.onReceipt(r));
  }

  private onReceipt(r: SessionReceipt): void {
    const type = RECEIPT_TYPES[r.type];
    const who = r.to ? this.core.resolveUser(r.to, false) : undefined;
    if (!type || who?.kind !== 'contact') return;
    push(this.receipts, `${who.contact.phoneNumber}|${r.phoneNumber}`, { type, messageIds: r.messageIds, at: Date.now() });
  }

  /** `<chatstate to>` (composing / paused / recording) and `<presence type>` (available / unavailable) from a session. */
  recordPresence(conn: SimConnection, stanza: BinaryNode): void {
    const session = conn.device?.phoneNumber;
    if (!session) return;
    if (stanza.tag === 'presence') {
      const presence = stanza.attrs.type ?? 'available';
      push(this.presence, `*|${session}`, { presence, at: Date.now() });
      this.core.events.emit('presence', { from: session, presence });
      return;
    }
    const who = stanza.attrs.to ? this.core.resolveUser(stanza.attrs.to, false) : undefined;
    const state = children(stanza)[0];
    if (who?.kind !== 'contact' || !state) return;
    const presence = state.tag === 'composing' && state.attrs.media === 'audio' ? 'recording' : state.tag;
    push(this.presence, `${who.contact.phoneNumber}|${session}`, { presence, at: Date.now() });
    this.core.events.emit('presence', { from: session, to: who.contact.phoneNumber, presence });
  }

  view(contactPhone: string, sessionPhone: string, sent: SentMessage[]): ContactInbox {
    const byId = new Map<string, InboxMessage>();
    for (const s of sent) {
      if (s.toPhoneNumber !== contactPhone) continue;
      const previous = byId.get(s.id);
      // A message re-sent after a retry receipt keeps its first place and takes the new copy.
      if (previous && !s.decryptedBy.includes('contact')) continue;
      byId.delete(s.id);
      byId.set(s.id, toInboxMessage(s));
    }
    const presence = [...(this.presence.get(`${contactPhone}|${sessionPhone}`) ?? []), ...(this.presence.get(`*|${sessionPhone}`) ?? [])].sort((a, b) => a.at - b.at);
    return { messages: [...byId.values()], receipts: [...(this.receipts.get(`${contactPhone}|${sessionPhone}`) ?? [])], presence };
  }
}

function toInboxMessage(s: SentMessage): InboxMessage {
  return {
    id: s.id,
    kind: s.kind ?? 'other',
    text: s.text,
    stanzaType: s.stanzaType,
    editAttr: s.editAttr,
    quotedId: s.quotedId,
    forwarded: s.forwarded ?? false,
    media: s.media,
    reaction: s.reaction,
    edit: s.edit,
    revoke: s.revoke,
    location: s.location,
    contacts: s.contacts,
    poll: s.poll,
    vote: s.vote,
    linkPreview: s.linkPreview,
    event: s.event,
    decryptedBy: [...s.decryptedBy],
    timestamp: s.timestamp,
  };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  if (list.length > MAX_EVENTS_PER_PAIR) list.shift();
  map.set(key, list);
}
