/**
 * A stored message as the events and callbacks show it: the seed 002 summary (with every kind it
 * carries), and seed 001's inbound-message callback (`message_type` the kind, `message_content`
 * its text or a readable one).
 */
import type { DomainEventMap, MessageSummary } from '../events/event-map.js';
import type { SessionContext, WaMessageRecord, WaRichContent } from '../whatsapp/conversation-types.js';
import { readableOf } from '../whatsapp/message-kinds.js';
import type { StoredMessage } from './message-writer.js';

/** The kinds a message carries, as the API and events show them (each null when absent). */
export function kindFieldsOf(rich: WaRichContent | null | undefined): Required<Pick<MessageSummary, 'location' | 'contacts' | 'poll' | 'linkPreview' | 'event'>> {
  const poll = rich?.poll;
  return {
    location: rich?.location ?? null,
    contacts: rich?.contacts ?? null,
    poll: poll ? { name: poll.name, selectableCount: poll.selectableCount, options: poll.options.map((name) => ({ name, votes: 0, voters: [] })), totalVotes: 0 } : null,
    linkPreview: rich?.linkPreview ?? null,
    event: rich?.event ?? null,
  };
}

export function receivedOf(ctx: SessionContext, m: WaMessageRecord, chatJid: string): DomainEventMap['session.message.received'] {
  return {
    tenantId: ctx.tenantId, messageId: m.id, sessionPhone: ctx.sessionPhone(), chatJid, senderPhone: m.senderPhone, senderName: m.pushName,
    messageType: m.kind, text: m.reaction ? m.reaction.emoji : (m.text ?? readableOf(m.rich ?? null)), mediaInfo: m.media ? mediaInfoOf(m) : {},
    receivedAt: new Date(m.timestamp * 1000).toISOString(), isGroup: chatJid.endsWith('@g.us'),
  };
}

export function summaryOf(s: StoredMessage): MessageSummary {
  const m = s.record;
  return {
    id: m.id, remoteJid: m.remoteJid, remoteJidAlt: m.remoteJidAlt, chatJid: s.chatJid, fromMe: m.fromMe, timestamp: m.timestamp, type: m.type, kind: m.kind,
    text: m.text, pushName: m.pushName, status: m.status, quotedMessageId: m.quotedId, forwarded: m.forwarded, ...kindFieldsOf(m.rich),
    senderJid: m.senderJid, senderPhone: m.senderPhone, mentions: m.mentions ?? [],
  };
}

/**
 * seed 001's `media_info`, as the message announced it; `url`, `media_id` and `state` are filled
 * when the callback waited for the download (docs/callbacks.md).
 */
function mediaInfoOf(m: WaMessageRecord): Record<string, unknown> {
  const x = m.media!;
  return {
    kind: x.kind, mime: x.mime, size: x.size, url: null, sha256: x.sha256 ? Buffer.from(x.sha256, 'base64').toString('hex') : null, caption: x.caption,
    file_name: x.fileName, width: x.width, height: x.height, duration: x.duration, media_id: null, state: 'not_downloaded',
  };
}
