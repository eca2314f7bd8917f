/** The event of a queued send's move. */
import type { EventTransaction } from '../events/domain-events.js';
import type { QueueStatus } from './send-queue.entity.js';

const EVENT_STATUS: Record<QueueStatus, 'pending' | 'sent' | 'error'> = { queued: 'pending', sending: 'pending', sent: 'sent', failed: 'error', cancelled: 'error' };

/** `session.messages.update` for a queued send's move, committed with it. */
export async function emitQueueUpdate(tx: EventTransaction, sessionId: string, tenantId: string, id: string, chatJid: string, queueStatus: QueueStatus, error?: string): Promise<void> {
  await tx.emit('session.messages.update', sessionId, {
    tenantId,
    updatesCount: 1,
    source: 'queue',
    updates: [{ messageId: id, remoteJid: chatJid, chatJid, status: EVENT_STATUS[queueStatus], statusAt: Math.floor(Date.now() / 1000), queueStatus, ...(error ? { error } : {}) }],
  });
}

