/**
 * Status changes of our own messages, announced as `session.messages.update` in order and exactly
 * once whatever way they reach us. Baileys folds receipts together while it buffers events: a
 * read receipt that lands before the delivery one was emitted replaces it, and receipts for a
 * message whose echo (`messages.upsert`) is still buffered are folded into the echo itself (its
 * `status`). So a status is stored only through one guarded update that knows the previous status,
 * and the steps a jump implies (read implies delivered) are announced with it, in order.
 */
import type { MessageStatusUpdate } from '../events/event-map.js';
import type { WaMessageChange, WaMessageRecord } from '../whatsapp/conversation-types.js';
import type { AppliedChange } from './message-writer.js';

type Status = MessageStatusUpdate['status'];

const ORDER: Status[] = ['error', 'pending', 'sent', 'delivered', 'read', 'played'];
/** The steps a contact's receipts move a message through, each implied by the next. */
const RECEIPT_STEPS: Status[] = ['delivered', 'read', 'played'];

export const statusRank = (status: string | null | undefined): number => ORDER.indexOf(status as Status);

/** What moving from `previous` to `next` announces, in order: `next`, after the receipt steps it skipped. */
export function statusSteps(previous: string | null, next: string): Status[] {
  const from = statusRank(previous);
  const to = statusRank(next);
  if (to < 0) return [];
  const skipped = RECEIPT_STEPS.filter((s) => statusRank(s) > from && statusRank(s) < to);
  return [...skipped, next as Status];
}

/**
 * A live message of ours whose record carries a receipt's status (folded into it by Baileys) is
 * written as sent; the status follows as a change of the same write, so that it is announced.
 */
export function splitFoldedStatus(record: WaMessageRecord): { record: WaMessageRecord; change?: WaMessageChange } {
  if (!record.fromMe || record.isStub || statusRank(record.status) <= statusRank('sent')) return { record };
  return {
    record: { ...record, status: 'sent' },
    change: { id: record.id, remoteJid: record.remoteJid, status: record.status!, statusAt: Math.floor(Date.now() / 1000) },
  };
}

/** The updates of the changes whose status moved, each with the steps its jump implies. */
export function statusUpdatesOf(applied: AppliedChange[]): MessageStatusUpdate[] {
  return applied.filter((a) => a.applied.status).flatMap((a) =>
    statusSteps(a.previousStatus ?? null, a.change.status!).map((status) => ({
      messageId: a.change.id, remoteJid: a.change.remoteJid, chatJid: a.chatJid, status, statusAt: a.change.statusAt ?? 0,
    })),
  );
}
