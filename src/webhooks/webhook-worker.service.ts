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
import { decideOutcome, type AttemptOutcome } from './delivery-policy.js';
import { CompletionBatcher, deliverLane, WorkerConnections } from './lane-delivery.js';
import { WebhookHttpClient } from './webhook-http-client.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { CALLBACK_SOURCE_EVENTS, WebhookOutboxService } from './webhook-outbox.service.js';
import { WebhookQueueRepository, type ClaimedDelivery, type Completion } from './webhook-queue.repository.js';
import { buildCallbackHeaders, createWebhookSigner } from './webhook-signer.js';

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
  private connections: WorkerConnections;
  private readonly completions = new CompletionBatcher<Completion>((batch) => this.queue.complete(batch, this.connections.completeDb));

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
    this.connections = new WorkerConnections(dataSource, false);
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
    this.connections = new WorkerConnections(this.dataSource, Boolean(this.config.database.url));
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
    await this.connections.release();
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
      const rows = await this.queue.claim(free, BATCH_PER_SESSION, this.instanceId, this.leaseMs, this.connections.claimDb);
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

  /** One session's claimed rows, in order (src/webhooks/lane-delivery.ts). */
  private runBatch(batch: ClaimedDelivery[]): Promise<void> {
    return deliverLane(batch, {
      leaseMs: this.leaseMs,
      extendLease: (token) => this.queue.extendLease(token, this.leaseMs, this.connections.completeDb),
      shouldStop: () => !this.running,
      attempt: async (row) => {
        const { outcome, completion } = await this.attempt(row);
        return { completion, delivered: outcome.kind === 'delivered' };
      },
      released,
      complete: (completion) => this.completions.add(completion),
    });
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
}
