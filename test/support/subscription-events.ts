/**
 * Produces public events for webhook subscription specs, the way the product does: each in its own
 * DomainEvents transaction (so the subscriptions' outbox rows are written with it).
 */
import type { DomainEvents } from '../../src/events/domain-events.js';

/** A `session.messages.upsert` whose `requestId` names it (`tag`), for order checks. */
export async function emitUpsert(events: DomainEvents, tenantId: string, sessionId: string, tag: string): Promise<void> {
  await events.transaction(async (tx) => {
    await tx.emit('session.messages.upsert', sessionId, {
      tenantId,
      upsertType: 'notify',
      requestId: tag,
      messagesCount: 1,
      messages: [{ id: `MSG-${tag}`, remoteJid: '5491122334455@s.whatsapp.net', fromMe: false, timestamp: Math.floor(Date.now() / 1000), type: 'conversation', text: `hola ${tag}` }],
    });
  });
}

/** A `session.messages.edit` of message `MSG-<tag>`. */
export async function emitEdit(events: DomainEvents, tenantId: string, sessionId: string, tag: string): Promise<void> {
  await events.transaction(async (tx) => {
    await tx.emit('session.messages.edit', sessionId, {
      tenantId,
      editsCount: 1,
      edits: [{ messageId: `MSG-${tag}`, chatJid: '5491122334455@s.whatsapp.net', type: 'conversation', text: `editado ${tag}`, editedAt: Math.floor(Date.now() / 1000) }],
    });
  });
}

/** The tag of a received upsert or edit envelope. */
export function tagOf(body: Record<string, unknown>): string {
  const payload = body.payload as { requestId?: string; edits?: Array<{ messageId: string }> };
  if (payload.requestId) return payload.requestId;
  return payload.edits?.[0]?.messageId.replace(/^MSG-/, '') ?? '';
}
