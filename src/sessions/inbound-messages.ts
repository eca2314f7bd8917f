/**
 * Messages from Baileys → rows (idempotent by key) + events, in one transaction: the realtime
 * summary for every new message, and `session.message.received` once per new inbound message.
 */
import type { WAMessage } from '@whiskeysockets/baileys';
import type { DomainEvents } from '../events/domain-events.js';
import type { MessageStore } from '../messages/message-store.js';
import { inboundType, isReportable, senderPhoneOf, summarizeMessage } from '../whatsapp/event-translator.js';

export interface InboundContext {
  sessionId: string;
  tenantId: string;
  sessionPhone: string | null;
}

export async function recordInbound(
  deps: { events: DomainEvents; messages: MessageStore },
  ctx: InboundContext,
  type: 'notify' | 'append',
  raw: WAMessage[],
): Promise<void> {
  const reportable = raw.filter(isReportable);
  if (reportable.length === 0) return;
  const rows = reportable.map((m) => ({
    ...summarizeMessage(m),
    senderPhone: m.key.fromMe ? ctx.sessionPhone : senderPhoneOf(m),
    status: m.key.fromMe ? 'sent' : null,
    raw: m,
  }));
  await deps.events.transaction(async (tx) => {
    const inserted = await deps.messages.insertNew(tx.manager, ctx.sessionId, ctx.tenantId, rows);
    const fresh = rows.filter((r) => inserted.has(`${r.remoteJid}|${r.id}`));
    if (fresh.length === 0) return;
    await tx.emit('session.messages.upsert', ctx.sessionId, {
      tenantId: ctx.tenantId,
      upsertType: type,
      requestId: null,
      messagesCount: fresh.length,
      messages: fresh.map(({ raw: _raw, senderPhone: _p, status: _s, ...summary }) => summary),
    });
    for (const row of fresh) {
      if (row.fromMe) continue;
      await tx.emit('session.message.received', ctx.sessionId, {
        tenantId: ctx.tenantId,
        messageId: row.id,
        sessionPhone: ctx.sessionPhone,
        chatJid: row.remoteJid,
        senderPhone: row.senderPhone,
        senderName: row.pushName ?? null,
        messageType: inboundType(row.raw),
        text: row.text,
        mediaInfo: {},
        receivedAt: new Date(row.timestamp * 1000).toISOString(),
      });
    }
  });
}
