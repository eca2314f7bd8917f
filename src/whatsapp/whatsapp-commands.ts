/**
 * What a session asks of WhatsApp about conversations, each call under a deadline. Stored
 * messages come in and go out as raw WebMessageInfo bytes, so replies and forwards are built from
 * the exact original.
 */
import type { Readable } from 'node:stream';
import { generateWAMessageFromContent, type AnyMessageContent, type WAMessage, type WAMessageKey, type WASocket } from '@whiskeysockets/baileys';
import { kindContent, voteMessage, type OutgoingKind } from './outgoing-kinds.js';
import type { WaMessageRecord } from './conversation-types.js';
import { outboundMediaContent, type OutboundMedia } from './media-messages.js';
import { decodeRaw, translateMessage } from './message-translator.js';
import { withTimeout } from './timeout.js';

/** Encrypting and uploading a large file takes longer than a text send. */
const MEDIA_SEND_TIMEOUT_MS = 120_000;

export interface StoredKey {
  remoteJid: string;
  id: string;
  fromMe: boolean;
  participant?: string | null;
}

export interface OutgoingContent {
  text?: string;
  /** Raw WebMessageInfo of the message replied to. */
  quotedRaw?: Buffer;
  /** Raw WebMessageInfo of the message forwarded. */
  forwardRaw?: Buffer;
  /** Jids the text @-mentions. */
  mentions?: string[];
  /** The message id to send with (chosen when a paced send was queued); WhatsApp's own otherwise. */
  messageId?: string;
  /** A location, contact cards or a poll instead of text. */
  kind?: OutgoingKind;
  /** The text's link preview, built by the caller (Baileys' own fetcher is not installed). */
  linkPreview?: { url: string; title: string; description: string | null };
}

export class WhatsAppCommands {
  constructor(
    private readonly socket: WASocket,
    private readonly timeoutMs: number,
    private readonly ownPhone: () => string | null,
    /** Our Signal key writes are write-behind: a send is answered once its frame has left (write-barrier.ts). */
    private readonly framesSent: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async send(jid: string, content: OutgoingContent): Promise<WaMessageRecord> {
    let payload: AnyMessageContent;
    const kind = content.kind ? kindContent(content.kind) : undefined;
    if (content.forwardRaw) payload = { forward: decodeRaw(content.forwardRaw) };
    else if (kind) payload = kind;
    else {
      const mentions = content.mentions && content.mentions.length > 0 ? { mentions: content.mentions } : {};
      const p = content.linkPreview;
      payload = p
        ? { text: content.text ?? '', ...mentions, linkPreview: { 'matched-text': p.url, 'canonical-url': p.url, title: p.title, ...(p.description ? { description: p.description } : {}) } }
        : { text: content.text ?? '', ...mentions };
    }
    const options = { ...(content.quotedRaw ? { quoted: decodeRaw(content.quotedRaw) } : {}), ...(content.messageId ? { messageId: content.messageId } : {}) };
    return this.relay(this.socket.sendMessage(jid, payload, options), 'send');
  }

  /** A stored file, streamed (Baileys encrypts it to a temporary file and uploads it), with `caption`. */
  async sendMedia(jid: string, media: OutboundMedia, body: Readable, caption?: string, quotedRaw?: Buffer, messageId?: string): Promise<WaMessageRecord> {
    const options = { ...(quotedRaw ? { quoted: decodeRaw(quotedRaw) } : {}), ...(messageId ? { messageId } : {}) };
    return this.relay(this.socket.sendMessage(jid, outboundMediaContent(media, body, caption), options), 'send media', Math.max(this.timeoutMs, MEDIA_SEND_TIMEOUT_MS));
  }

  /**
   * Asks the phone to upload a message's media again (WhatsApp's CDN no longer has it); resolves
   * with the message carrying the new direct path.
   */
  async reuploadMedia(message: WAMessage): Promise<WAMessage> {
    return withTimeout(this.socket.updateMediaMessage(message), this.timeoutMs, 'media re-upload');
  }

  async edit(jid: string, key: StoredKey, text: string): Promise<WaMessageRecord> {
    return this.relay(this.socket.sendMessage(jid, { text, edit: toKey(key) }), 'edit');
  }

  async revoke(jid: string, key: StoredKey): Promise<WaMessageRecord> {
    return this.relay(this.socket.sendMessage(jid, { delete: toKey(key) }), 'delete');
  }

  async react(jid: string, key: StoredKey, emoji: string | null): Promise<WaMessageRecord> {
    return this.relay(this.socket.sendMessage(jid, { react: { text: emoji ?? '', key: toKey(key) } }), 'reaction');
  }

  /** Our vote on a stored poll (`[]` withdraws it); throws PollVoteError for options the poll does not allow. */
  async vote(jid: string, pollRaw: Buffer, options: string[], messageId?: string): Promise<WaMessageRecord> {
    const phone = this.ownPhone();
    if (!phone) throw new Error('The session has no account yet');
    const own = `${phone}@s.whatsapp.net`;
    const message = generateWAMessageFromContent(jid, voteMessage(pollRaw, options, own), { userJid: own, ...(messageId ? { messageId } : {}) });
    await withTimeout(this.socket.relayMessage(jid, message.message!, { messageId: message.key.id! }).then(this.framesSent), this.timeoutMs, 'vote');
    const record = translateMessage(message, phone);
    if (!record) throw new Error('WhatsApp did not accept the vote');
    return record;
  }

  async read(keys: StoredKey[]): Promise<void> {
    await withTimeout(this.socket.readMessages(keys.map(toKey)), this.timeoutMs, 'read');
  }

  async presence(jid: string, presence: 'composing' | 'paused' | 'available'): Promise<void> {
    await withTimeout(this.socket.sendPresenceUpdate(presence, jid).then(this.framesSent), this.timeoutMs, 'presence');
  }

  private async relay(sending: Promise<WAMessage | undefined>, what: string, timeoutMs = this.timeoutMs): Promise<WaMessageRecord> {
    const sent = await withTimeout(sending.then(async (m) => {
      await this.framesSent();
      return m;
    }), timeoutMs, what);
    const record = sent ? translateMessage(sent, this.ownPhone()) : undefined;
    if (!record) throw new Error('WhatsApp did not accept the message');
    return record;
  }
}

function toKey(key: StoredKey): WAMessageKey {
  return { remoteJid: key.remoteJid, id: key.id, fromMe: key.fromMe, ...(key.participant ? { participant: key.participant } : {}) };
}
