/**
 * What a simulated contact can send a session 1:1 (WA-PROTOCOL-2 §0.2, §4b, §6a/c): text and replies
 * (quoted context), forwards, media (encrypted and hosted on the media host), reactions (and their
 * removal), edits, revokes, and receipts delivered / read / played for several session messages at
 * once. Every message goes through `Messaging.sendMessage`, so LID or PN addressing applies to all.
 */
import { proto } from '@whiskeysockets/baileys';
import { node, unixSeconds } from './binary.js';
import type { SimContact } from './contacts.js';
import type { SimulatorCore } from './core.js';
import type { MediaKind } from './inbox.js';
import { encryptMedia } from './media-crypto.js';
import type { Messaging } from './messaging.js';
import { buildRichMessage, buildVoteMessage, pollOf, type RichContent } from './message-kinds.js';
import type { SendTextOptions } from './types.js';

export interface ContactMedia {
  kind: MediaKind;
  mimetype: string;
  data: Buffer;
  fileName?: string;
  caption?: string;
  /** Audio/video length, when known. */
  seconds?: number;
}

export interface ContactMessageContent extends RichContent {
  text?: string;
  media?: ContactMedia;
  /** Reply to this message (the session's or the contact's own). */
  quotedMessageId?: string;
  /** Mark as forwarded. */
  forwarded?: boolean;
}

export type ContactReceiptType = 'delivered' | 'read' | 'played';

const MEDIA_TYPE = { image: 'image', video: 'video', audio: 'audio', ptt: 'audio', document: 'document', sticker: 'sticker' } as const;

export class ContactMessages {
  constructor(
    private readonly core: SimulatorCore,
    private readonly messaging: Messaging,
  ) {}

  async send(contact: SimContact, toPhone: string, content: ContactMessageContent, opts: SendTextOptions = {}): Promise<string> {
    const context = this.contextInfo(contact, toPhone, content);
    const rich = buildRichMessage(content, context);
    if (rich) return this.messaging.sendMessage(contact, toPhone, rich.message, { ...opts, stanzaType: rich.stanzaType, mediatype: rich.mediatype });
    if (content.media) {
      const { message, mediatype } = await this.mediaMessage(content.media, context);
      return this.messaging.sendMessage(contact, toPhone, message, { ...opts, stanzaType: 'media', mediatype });
    }
    if (content.text === undefined) throw new Error('a contact message needs text or media');
    const message: proto.IMessage = context ? { extendedTextMessage: { text: content.text, contextInfo: context } } : { conversation: content.text };
    return this.messaging.sendMessage(contact, toPhone, message, opts);
  }

  /**
   * Votes on a poll (the session's or the contact's own) with these option names (`[]` withdraws the
   * vote), encrypted with the poll's secret; jids as addressed (message-kinds.ts).
   */
  vote(contact: SimContact, toPhone: string, pollMessageId: string, options: string[], opts: SendTextOptions = {}): Promise<string> {
    const session = this.messaging.sentMessage(pollMessageId);
    const own = this.messaging.inboundMessage(pollMessageId);
    const poll = pollOf(session?.message ?? (own?.from === contact.phoneNumber ? own.message : undefined));
    if (!poll?.secret) throw new Error(`no poll ${pollMessageId} between this contact and the session`);
    const account = this.core.registry.accounts.get(toPhone);
    if (!account) throw new Error(`no account ${toPhone} is known to the simulator`);
    const lid = opts.addressing === 'lid';
    const sessionJid = lid ? `${account.lid}@lid` : `${toPhone}@s.whatsapp.net`;
    const voter = lid ? contact.lidJid : contact.jid;
    const message = buildVoteMessage({ id: pollMessageId, chatJid: sessionJid, fromMe: !session, secret: poll.secret, options: poll.options }, options, {
      creator: session ? sessionJid : voter,
      voter,
    });
    return this.messaging.sendMessage(contact, toPhone, message, { ...opts, stanzaType: 'poll' });
  }

  /** Reacts to a session message or to the contact's own; `''` removes the reaction. */
  react(contact: SimContact, toPhone: string, messageId: string, emoji: string, opts: SendTextOptions = {}): Promise<string> {
    const own = !this.messaging.sentMessage(messageId);
    const reactionMessage: proto.Message.IReactionMessage = {
      key: { remoteJid: `${toPhone}@s.whatsapp.net`, fromMe: own, id: messageId },
      text: emoji,
      senderTimestampMs: Date.now(),
    };
    return this.messaging.sendMessage(contact, toPhone, { reactionMessage }, { ...opts, stanzaType: 'reaction' });
  }

  /** Edits one of the contact's own messages. */
  edit(contact: SimContact, toPhone: string, messageId: string, text: string, opts: SendTextOptions = {}): Promise<string> {
    const protocolMessage: proto.Message.IProtocolMessage = {
      type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
      key: { remoteJid: `${toPhone}@s.whatsapp.net`, fromMe: true, id: messageId },
      editedMessage: { conversation: text },
      timestampMs: Date.now(),
    };
    return this.messaging.sendMessage(contact, toPhone, { protocolMessage }, { ...opts, edit: '1' });
  }

  /** Deletes one of the contact's own messages for everyone. */
  revoke(contact: SimContact, toPhone: string, messageId: string, opts: SendTextOptions = {}): Promise<string> {
    const protocolMessage: proto.Message.IProtocolMessage = {
      type: proto.Message.ProtocolMessage.Type.REVOKE,
      key: { remoteJid: `${toPhone}@s.whatsapp.net`, fromMe: true, id: messageId },
    };
    return this.messaging.sendMessage(contact, toPhone, { protocolMessage }, { ...opts, edit: '7' });
  }

  /** One receipt for several session messages: delivered (status 3), read (4) or played (5). */
  sendReceipts(contact: SimContact, toPhone: string, messageIds: string[], type: ContactReceiptType, opts: Pick<SendTextOptions, 'addressing'> = {}): number {
    const [first, ...rest] = messageIds;
    if (!first) throw new Error('a receipt needs at least one message id');
    const from = opts.addressing === 'lid' ? contact.lidJid : (this.messaging.sentMessage(first)?.to ?? contact.jid);
    const receipt = node('receipt', { from, id: first, t: unixSeconds(), type: type === 'delivered' ? undefined : type }, rest.length > 0 ? [node('list', {}, rest.map((id) => node('item', { id })))] : undefined);
    const conns = this.core.connectionsOf(toPhone);
    for (const c of conns) c.send(receipt);
    return conns.length;
  }

  private contextInfo(contact: SimContact, toPhone: string, content: ContactMessageContent): proto.IContextInfo | undefined {
    if (!content.quotedMessageId && !content.forwarded) return undefined;
    const context: proto.IContextInfo = {};
    if (content.forwarded) Object.assign(context, { isForwarded: true, forwardingScore: 1 });
    const id = content.quotedMessageId;
    if (id) {
      const session = this.messaging.sentMessage(id);
      const inbound = this.messaging.inboundMessage(id);
      context.stanzaId = id;
      context.participant = session ? `${toPhone}@s.whatsapp.net` : contact.jid;
      context.quotedMessage = stripContext(session?.message ?? inbound?.message) ?? { conversation: '' };
    }
    return context;
  }

  async mediaMessage(media: ContactMedia, contextInfo: proto.IContextInfo | undefined): Promise<{ message: proto.IMessage; mediatype: string }> {
    const host = this.core.mediaHost;
    if (!host) throw new Error('the simulator media host is off');
    const enc = await encryptMedia(media.data, MEDIA_TYPE[media.kind]);
    const { url, directPath } = host.store(enc.file);
    const common = {
      url,
      directPath,
      mediaKey: enc.mediaKey,
      fileSha256: enc.fileSha256,
      fileEncSha256: enc.fileEncSha256,
      fileLength: enc.fileLength,
      mediaKeyTimestamp: Math.floor(Date.now() / 1000),
      mimetype: media.mimetype,
      contextInfo,
    };
    switch (media.kind) {
      case 'image':
        return { message: { imageMessage: { ...common, caption: media.caption } }, mediatype: 'image' };
      case 'video':
        return { message: { videoMessage: { ...common, caption: media.caption, seconds: media.seconds } }, mediatype: 'video' };
      case 'audio':
      case 'ptt':
        return { message: { audioMessage: { ...common, ptt: media.kind === 'ptt', seconds: media.seconds } }, mediatype: media.kind };
      case 'document':
        return { message: { documentMessage: { ...common, caption: media.caption, fileName: media.fileName ?? 'file', title: media.fileName } }, mediatype: 'document' };
      case 'sticker':
        return { message: { stickerMessage: common }, mediatype: 'sticker' };
    }
  }
}

function stripContext(message: proto.IMessage | undefined): proto.IMessage | undefined {
  if (!message) return undefined;
  const { messageContextInfo: _drop, ...rest } = message;
  return rest;
}
