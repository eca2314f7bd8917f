/**
 * The delivery worker: claims due sessions (their head row and the rows right behind it, SKIP
 * LOCKED), sends each session's rows in order with up to `callbacks.concurrency` sessions in
 * flight, and records outcomes in batched statements. It wakes after every commit
 * that may have queued a callback, after every completed attempt (the session's next row is now
 * eligible), and on a poll (retries coming due, other instances' rows, expired leases).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { DomainEvents } from '../events/domain-events.js';
import { DedicatedConnection, type SqlExecutor } from './dedicated-connection.js';
import { decideOutcome, type AttemptOutcome } from './delivery-policy.js';
import { WebhookHttpClient } from './webhook-http-client.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { CALLBACK_SOURCE_EVENTS, WebhookOutboxService } from './webhook-outbox.service.js';
import { WebhookQueueRepository, type ClaimedDelivery, type Completion } from './webhook-queue.repository.js';
import { buildCallbackHeaders, createWebhookSigner } from './webhook-signer.js';

const COMPLETION_BATCH = 256;
/** Rows claimed per session at once (sent one after another, in order). */
const BATCH_PER_SESSION = 20;

function released(row: ClaimedDelivery): Completion {
  return { id: row.id, leaseToken: row.leaseToken, status: 'released', attempt: null, retryDelayMs: 0, statusCode: null, error: null, startedAt: null, durationMs: 0 };
}

@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnModuleDestroy {
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger: AppLogger;
  private running = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  private filling: Promise<void> | null = null;
  private fillAgain = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private unsubscribers: Array<() => void> = [];
  private http: WebhookHttpClient | null = null;
  private signer: Webhook | undefined;
  private readonly completions: Array<{ completion: Completion; done: (err?: unknown) => void }> = [];
  private flushing = false;
  /** Where claims and completions run: own connections on PostgreSQL, the shared one embedded. */
  private claimDb: SqlExecutor;
  private completeDb: SqlExecutor;
  private dedicated: DedicatedConnection[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly events: DomainEvents,
    private readonly outbox: WebhookOutboxService,
    private readonly queue: WebhookQueueRepository,
    private readonly metrics: WebhookMetrics,
    private readonly dataSource: DataSource,
  ) {
    this.logger = logger.child({ module: 'webhooks' });
    this.claimDb = dataSource;
    this.completeDb = dataSource;
  }

  /**
   * A lease comfortably longer than one attempt (renewed during a long batch); a crashed
   * instance's rows are retaken after it.
   */
  get leaseMs(): number {
    return this.config.callbacks.timeoutMs * 2 + 10_000;
  }

  onApplicationBootstrap(): void {
    if (!this.outbox.enabled) return;
    const cfg = this.config.callbacks;
    this.http = new WebhookHttpClient(cfg.concurrency);
    this.signer = cfg.secret ? createWebhookSigner(cfg.secret) : undefined;
    // The embedded database has a single connection: holding it would block every producer.
    if (this.config.database.url) {
      const claim = new DedicatedConnection(this.dataSource);
      const complete = new DedicatedConnection(this.dataSource);
      this.dedicated = [claim, complete];
      this.claimDb = claim;
      this.completeDb = complete;
    }
    this.running = true;
    for (const type of CALLBACK_SOURCE_EVENTS) this.unsubscribers.push(this.events.onCommit(type, () => this.kick()));
    this.pollTimer = setInterval(() => this.kick(), cfg.pollIntervalMs);
    this.pollTimer.unref();
    this.logger.info({ instanceId: this.instanceId, baseUrl: cfg.baseUrl, concurrency: cfg.concurrency }, 'callback worker started');
    this.kick();
  }

  /** Stops claiming, lets in-flight attempts finish and be recorded, then releases everything. */
  async onModuleDestroy(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    await this.filling;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
    await this.http?.close();
    this.http = null;
    for (const connection of this.dedicated) await connection.release();
    this.dedicated = [];
    this.logger.info({ instanceId: this.instanceId }, 'callback worker stopped');
  }

  /** Runs a claim round now, or right after the one under way. */
  kick(): void {
    if (!this.running) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.fillAgain = false;
    this.filling = this.fill()
      .catch((err: unknown) => this.logger.error({ err }, 'claiming callbacks failed'))
      .finally(() => {
        this.filling = null;
        if (this.fillAgain) this.kick();
      });
  }

  private async fill(): Promise<void> {
    while (this.running) {
      const free = this.config.callbacks.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const rows = await this.queue.claim(free, BATCH_PER_SESSION, this.instanceId, this.leaseMs, this.claimDb);
      const bySession = new Map<string, ClaimedDelivery[]>();
      for (const row of rows) bySession.set(row.sessionId, [...(bySession.get(row.sessionId) ?? []), row]);
      for (const batch of bySession.values()) this.launch(batch);
      if (bySession.size < free) return;
    }
  }

  private launch(batch: ClaimedDelivery[]): void {
    const key = batch[0].leaseToken + batch[0].id;
    const run = this.runBatch(batch)
      .catch((err: unknown) => this.logger.error({ err, sessionId: batch[0].sessionId }, 'callback batch failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(key);
        this.kick();
      });
    this.inFlight.set(key, run);
  }

  /**
   * Sends one session's claimed rows in order; at the first row not delivered (retry or dead) —
   * or on shutdown, or if the lease was lost — the rest go back to pending unattempted. Outcomes
   * are written in the background; the session is only released once they all are.
   */
  private async runBatch(batch: ClaimedDelivery[]): Promise<void> {
    const writes: Array<Promise<void>> = [];
    let leaseUntil = Date.now() + this.leaseMs;
    let stop = false;
    for (const row of batch) {
      if (!stop && !this.running) stop = true;
      if (!stop && Date.now() > leaseUntil - this.leaseMs / 2) {
        stop = !(await this.queue.extendLease(row.leaseToken, this.leaseMs, this.completeDb).catch(() => false));
        leaseUntil = Date.now() + this.leaseMs;
      }
      if (stop) {
        writes.push(this.complete(released(row)));
        continue;
      }
      const { outcome, completion } = await this.attempt(row);
      writes.push(this.complete(completion));
      if (outcome.kind !== 'delivered') stop = true;
    }
    await Promise.all(writes);
  }

  private async attempt(row: ClaimedDelivery): Promise<{ outcome: AttemptOutcome; completion: Completion }> {
    const http = this.http;
    if (!http) return { outcome: { kind: 'retry', delayMs: 0 }, completion: released(row) };
    const cfg = this.config.callbacks;
    const attempt = row.attemptsBefore + 1;
    const startedAt = new Date();
    const t0 = performance.now();
    const headers = buildCallbackHeaders({ webhookId: row.id, body: row.body, now: startedAt, apiKey: cfg.apiKey, signer: this.signer });
    const result = await http.post({ url: `${cfg.baseUrl}${row.path}`, headers, body: row.body, timeoutMs: cfg.timeoutMs });
    const durationMs = performance.now() - t0;
    const outcome = decideOutcome(result, attempt, row.maxAttempts, Date.now());
    this.metrics.attemptDuration.observe({ event: row.event, result: WebhookMetrics.resultLabel(result.statusCode) }, durationMs / 1000);
    this.metrics.outcomes.inc({ event: row.event, outcome: outcome.kind });
    this.log(row, attempt, outcome, result.statusCode, result.error ?? null);
    return {
      outcome,
      completion: {
        id: row.id,
        leaseToken: row.leaseToken,
        status: outcome.kind === 'retry' ? 'pending' : outcome.kind,
        attempt,
        retryDelayMs: outcome.kind === 'retry' ? outcome.delayMs : 0,
        statusCode: result.statusCode,
        error: outcome.kind === 'delivered' ? null : (result.error ?? null),
        startedAt,
        durationMs,
      },
    };
  }

  private log(row: ClaimedDelivery, attempt: number, outcome: AttemptOutcome, statusCode: number | null, error: string | null): void {
    const fields = { deliveryId: row.id, sessionId: row.sessionId, event: row.event, attempt, statusCode };
    switch (outcome.kind) {
      case 'delivered':
        this.logger.debug(fields, 'callback delivered');
        return;
      case 'retry':
        this.logger.debug({ ...fields, error, retryInMs: outcome.delayMs }, 'callback failed, will retry');
        return;
      case 'dead':
        this.logger.warn({ ...fields, error, reason: outcome.reason }, 'callback given up (dead)');
        return;
    }
  }

  /** Outcomes are written in batches: one statement for everything finished meanwhile. */
  private complete(completion: Completion): Promise<void> {
    return new Promise((resolve, reject) => {
      this.completions.push({ completion, done: (err) => (err ? reject(err as Error) : resolve()) });
      if (!this.flushing) void this.flushCompletions();
    });
  }

  private async flushCompletions(): Promise<void> {
    this.flushing = true;
    try {
      while (this.completions.length > 0) {
        const batch = this.completions.splice(0, COMPLETION_BATCH);
        try {
          await this.queue.complete(batch.map((b) => b.completion), this.completeDb);
          for (const b of batch) b.done();
        } catch (err) {
          // The rows stay `delivering` and are retaken when their lease expires (same webhook-id).
          for (const b of batch) b.done(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
