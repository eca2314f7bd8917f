/**
 * A paced session's sends (CONTRACT.md Part 3): queued in PostgreSQL with the WhatsApp message id
 * they will go out with (202 `{ id, status: "queued", chatJid, scheduledAt }`), listed and cancelled
 * here, sent by SendQueueWorker. Each move is a `session.messages.update` (source `queue`) committed
 * with it.
 */
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { DomainEvents } from '../events/domain-events.js';
import type { Pacing } from '../sessions/session.entity.js';
import { newMessageId } from '../whatsapp/message-ids.js';
import type { QueuedSendPayload } from './queue-executor.js';
import { emitQueueUpdate } from './queue-events.js';
import { SendQueueRepository, type QueueRow } from './send-queue.repository.js';
import type { QueuedDto, QueueItemDto, QueuePageDto } from './send-queue.dto.js';
import { SendQueueWorker } from './send-queue.worker.js';

@Injectable()
export class SendQueueService {
  constructor(
    private readonly repo: SendQueueRepository,
    private readonly events: DomainEvents,
    private readonly worker: SendQueueWorker,
  ) {}

  async enqueue(session: { id: string; tenantId: string; pacing: Pacing }, chatJid: string, payload: QueuedSendPayload): Promise<QueuedDto> {
    const id = newMessageId();
    const scheduledAt = await this.events.transaction(async (tx) => {
      const at = await this.repo.insert(tx.manager, { sessionId: session.id, id, tenantId: session.tenantId, chatJid, payload, minIntervalMs: session.pacing.minIntervalMs });
      await emitQueueUpdate(tx, session.id, session.tenantId, id, chatJid, 'queued');
      return at;
    });
    this.worker.kick(session.id);
    return { id, status: 'queued', chatJid, scheduledAt: scheduledAt.toISOString() };
  }

  /** Runs the session's queue now if it is connected here (pacing changed, for instance). */
  kick(sessionId: string): void {
    this.worker.kick(sessionId);
  }

  async list(auth: AuthContext, sessionId: string, q: { limit?: number; cursor?: string; all?: boolean }): Promise<QueuePageDto> {
    await this.visible(auth, sessionId);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['n']);
    const rows = await this.repo.list(sessionId, after ? (after[0] as number) : 0, limit + 1, q.all ?? false);
    const page = rows.slice(0, limit);
    return { data: page.map(toDto), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1]!.seq]) : null };
  }

  async cancel(auth: AuthContext, sessionId: string, id: string): Promise<QueueItemDto> {
    const tenantId = await this.visible(auth, sessionId);
    const result = await this.events.transaction(async (tx) => {
      const out = await this.repo.cancel(tx.manager, sessionId, id);
      if (out.cancelled && out.row) await emitQueueUpdate(tx, sessionId, tenantId, id, out.row.chatJid, 'cancelled');
      return out;
    });
    if (result.cancelled) this.worker.kick(sessionId);
    if (!result.row) throw AppError.notFound('No such send in this session\'s queue');
    if (!result.cancelled) {
      throw new AppError(HttpStatus.CONFLICT, 'QUEUE_ITEM_NOT_CANCELLABLE', `Only a queued send can be cancelled (this one is ${result.row.status})`, { status: result.row.status });
    }
    return toDto(result.row);
  }

  /** The session's tenant; 404 for another tenant's session (admins see all). */
  private async visible(auth: AuthContext, sessionId: string): Promise<string> {
    const tenantId = await this.repo.tenantOf(sessionId);
    if (!tenantId || (auth.role !== 'admin' && tenantId !== auth.tenantId)) throw AppError.notFound('Session not found');
    return tenantId;
  }
}

function toDto(row: QueueRow): QueueItemDto {
  const p = row.payload;
  return {
    id: row.id,
    chatJid: row.chatJid,
    status: row.status,
    scheduledAt: row.scheduledAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    attempts: row.attempts,
    error: row.error,
    content: p.content ?? null,
    mediaId: p.mediaId ?? null,
    replyToMessageId: p.replyToMessageId ?? null,
    forwardMessageId: p.forwardMessageId ?? null,
  };
}
