/**
 * Sends each paced session's queue, one send at a time and in order, on the node where the session
 * is connected (in cluster mode the lease holder: a node without the live socket never sends). A
 * session's loop starts when a send is queued, when it connects, when its pacing changes, and on a
 * sweep every few seconds (a takeover, a send left in flight); it stops when the queue is empty or
 * the session is not connected.
 *
 * Exactly once: a send is marked `sending` before it goes, under the message id chosen when it was
 * queued. One found `sending` (a crash or a timeout left its outcome unknown) is looked up in the
 * stored messages first: found, it was sent; not found, it goes again under the same id, which the
 * recipient's devices treat as the same message.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { DomainEvents } from '../events/domain-events.js';
import { gapMs, plan, typingMs } from './pacing.js';
import type { QueueExecutor, QueueItem } from './queue-executor.js';
import { SendQueueRepository } from './send-queue.repository.js';
import { emitQueueUpdate } from './queue-events.js';

const SWEEP_MS = 2000;
const SWEEP_LIMIT = 1000;
/** After a send whose outcome is unknown (no answer in time), the next look waits this long. */
const IN_DOUBT_RETRY_MS = 5000;

@Injectable()
export class SendQueueWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: AppLogger;
  private executor?: QueueExecutor;
  private readonly loops = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** When each session's last send started (the next gap counts from it). */
  private readonly lastStart = new Map<string, number>();
  private readonly stop = new AbortController();
  /** Wakes a session's loop from its wait (pacing changed, a send cancelled): it plans again. */
  private readonly wakers = new Map<string, () => void>();
  private sweepTimer?: NodeJS.Timeout;
  private offConnected?: () => void;

  constructor(
    private readonly repo: SendQueueRepository,
    private readonly events: DomainEvents,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'send-queue' });
  }

  /** The chats module registers how to send (at init). */
  useExecutor(executor: QueueExecutor): void {
    this.executor = executor;
  }

  onApplicationBootstrap(): void {
    this.offConnected = this.events.onCommit('session.status.connected', (e) => this.kick(e.sessionId));
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    clearInterval(this.sweepTimer);
    this.offConnected?.();
    await Promise.allSettled([...this.loops.values()]);
  }

  kick(sessionId: string): void {
    if (this.stop.signal.aborted || !this.executor?.isReady(sessionId)) return;
    if (this.loops.has(sessionId)) {
      this.again.add(sessionId);
      this.wakers.get(sessionId)?.();
      return;
    }
    const loop = this.drain(sessionId)
      .catch((err: unknown) => this.logger.warn({ err: { message: (err as Error).message }, sessionId }, 'send queue stopped'))
      .finally(() => {
        this.loops.delete(sessionId);
        if (this.again.delete(sessionId)) this.kick(sessionId);
      });
    this.loops.set(sessionId, loop);
  }

  private async sweep(): Promise<void> {
    try {
      for (const sessionId of await this.repo.sessionsWithWork(SWEEP_LIMIT)) this.kick(sessionId);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'send queue sweep failed');
    }
  }

  private async drain(sessionId: string): Promise<void> {
    const executor = this.executor!;
    if (!this.lastStart.has(sessionId)) {
      const last = await this.repo.lastSentAt(sessionId);
      if (last !== undefined) this.lastStart.set(sessionId, last);
    }
    for (;;) {
      if (this.stop.signal.aborted || !executor.isReady(sessionId)) return;
      const item = await this.repo.head(sessionId);
      if (!item) return;
      if (item.status === 'sending' && (await executor.wasSent(sessionId, item.id))) {
        await this.finish(item, { status: 'sent', sentAt: new Date() });
        continue;
      }
      const pacing = await this.repo.pacing(sessionId);
      const gap = pacing ? gapMs(pacing, Math.random()) : 0;
      const typing = pacing ? typingMs(pacing, item.payload.content?.length ?? 0, gap) : 0;
      const { waitMs } = plan(Date.now(), this.lastStart.get(sessionId), gap, typing);
      const waited = await this.sleep(waitMs, sessionId);
      if (waited === 'stopped') return;
      if (waited === 'woken') continue;
      if (typing > 0) {
        await executor.typing(sessionId, item.chatJid).catch(() => undefined);
        if ((await this.sleep(typing)) === 'stopped') return;
      }
      const claimed = await this.events.transaction(async (tx) => {
        if (!(await this.repo.claim(tx.manager, sessionId, item.id))) return false;
        await emitQueueUpdate(tx, sessionId, item.tenantId, item.id, item.chatJid, 'sending');
        return true;
      });
      if (!claimed) continue; // cancelled meanwhile
      const startedAt = Date.now();
      this.lastStart.set(sessionId, startedAt);
      const outcome = await this.send(executor, item);
      if (outcome === 'stop') return;
      if (outcome === 'in-doubt') {
        if ((await this.sleep(IN_DOUBT_RETRY_MS, sessionId)) === 'stopped') return;
        continue;
      }
      await this.finish(item, outcome === 'sent' ? { status: 'sent', sentAt: new Date(startedAt) } : { status: 'failed', error: outcome.error });
    }
  }

  /** Sends one; says what became of it. */
  private async send(executor: QueueExecutor, item: QueueItem): Promise<'sent' | 'stop' | 'in-doubt' | { error: string }> {
    try {
      await executor.send(item);
      return 'sent';
    } catch (err) {
      if (err instanceof AppError && err.code === 'SESSION_NOT_CONNECTED') {
        await this.repo.requeue(item.sessionId, item.id);
        return 'stop';
      }
      if (err instanceof AppError && err.code === 'GATEWAY_TIMEOUT') return 'in-doubt';
      // The socket closed under the send (shutdown, a takeover): whether it went is unknown. It stays
      // `sending`, checked against the stored messages when the session's queue runs again.
      if (this.stop.signal.aborted || !executor.isReady(item.sessionId)) return 'stop';
      const message = err instanceof AppError ? err.message : 'WhatsApp refused the message';
      this.logger.warn({ sessionId: item.sessionId, messageId: item.id, code: err instanceof AppError ? err.code : undefined }, 'a queued send failed');
      return { error: message };
    }
  }

  private async finish(item: QueueItem, outcome: { status: 'sent'; sentAt: Date } | { status: 'failed'; error: string }): Promise<void> {
    await this.events.transaction(async (tx) => {
      if (!(await this.repo.finish(tx.manager, item.sessionId, item.id, outcome))) return;
      await emitQueueUpdate(tx, item.sessionId, item.tenantId, item.id, item.chatJid, outcome.status, outcome.status === 'failed' ? outcome.error : undefined);
    });
  }

  /** Waits `ms`; `sessionId`'s loop may be woken early (then it plans again). */
  private async sleep(ms: number, sessionId?: string): Promise<'elapsed' | 'woken' | 'stopped'> {
    if (this.stop.signal.aborted) return 'stopped';
    if (ms <= 0) return 'elapsed';
    let woken = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stop.signal;
      signal.addEventListener('abort', done, { once: true });
      const wakers = this.wakers;
      if (sessionId) {
        wakers.set(sessionId, () => {
          woken = true;
          done();
        });
      }
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (sessionId) wakers.delete(sessionId);
        resolve();
      }
    });
    if (this.stop.signal.aborted) return 'stopped';
    return woken ? 'woken' : 'elapsed';
  }
}
