/**
 * Delivers the subscriptions' outbox: claims due (subscription, session) lanes, sends each lane's
 * rows in order, records outcomes in batched statements. The seed 001 worker's scheme
 * (src/webhooks/webhook-worker.service.ts) with its signer, HTTP client and retry policy, but its
 * own lanes and concurrency: a slow or dead subscription holds at most
 * WEBHOOK_SUBSCRIPTION_LANES_PER_SUBSCRIPTION lanes, never another subscription's nor the
 * callbacks'. Also disables subscriptions failing for WEBHOOK_DISABLE_AFTER_HOURS (or answered 410).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { assertPublicUrl, guardedLookup } from '../common/url-guard.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { decideOutcome, type AttemptResult } from '../webhooks/delivery-policy.js';
import { CompletionBatcher, deliverLane, WorkerConnections } from '../webhooks/lane-delivery.js';
import { WebhookHttpClient } from '../webhooks/webhook-http-client.js';
import { buildCallbackHeaders, createWebhookSigner } from '../webhooks/webhook-signer.js';
import { SubscriptionDisabler } from './subscription-disabler.js';
import { SubscriptionMetrics } from './subscription-metrics.js';
import { SubscriptionQueueRepository, type ClaimedSubscriptionDelivery, type SubscriptionCompletion } from './subscription-queue.repository.js';

const BATCH_PER_LANE = 20;
/** Retries are bounded by time (the subscription is disabled after WEBHOOK_DISABLE_AFTER_HOURS), not by count. */
const UNBOUNDED_ATTEMPTS = Number.MAX_SAFE_INTEGER;
const DISABLE_CHECK_MS = 5_000;
const CLAIM_INTERVAL_MS = 10;
const BATCH_TIME_SLICE_MS = 1_000;

function released(row: ClaimedSubscriptionDelivery): SubscriptionCompletion {
  return { id: row.id, leaseToken: row.leaseToken, status: 'released', attempt: null, retryDelayMs: 0, statusCode: null, error: null };
}

@Injectable()
export class SubscriptionWorker implements OnApplicationBootstrap, OnModuleDestroy {
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger: AppLogger;
  private running = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Lanes in flight per subscription. */
  private readonly lanesOf = new Map<string, number>();
  private filling: Promise<void> | null = null;
  private pacing: NodeJS.Timeout | null = null;
  private lastClaimAt = 0;
  private fillAgain = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private lastDisableCheck = 0;
  private http: WebhookHttpClient | null = null;
  private readonly signers = new Map<string, Webhook>();
  private connections: WorkerConnections;
  private readonly completions = new CompletionBatcher<SubscriptionCompletion>((batch) => this.queue.complete(batch, this.connections.completeDb));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly queue: SubscriptionQueueRepository,
    private readonly metrics: SubscriptionMetrics,
    private readonly disabler: SubscriptionDisabler,
    private readonly dataSource: DataSource,
  ) {
    this.logger = logger.child({ module: 'webhook-subscriptions' });
    this.connections = new WorkerConnections(dataSource, false);
  }

  private get cfg(): AppConfig['webhookSubscriptions'] {
    return this.config.webhookSubscriptions;
  }

  /** Every few seconds, more often when the limit itself is that short. */
  private get disableCheckMs(): number {
    return Math.min(DISABLE_CHECK_MS, (this.cfg.disableAfterHours * 3_600_000) / 4);
  }

  get leaseMs(): number {
    return this.cfg.timeoutMs * 2 + 10_000;
  }

  onApplicationBootstrap(): void {
    this.http = new WebhookHttpClient(this.cfg.concurrency, { lookup: guardedLookup(this.config.allowPrivateUrls) });
    this.connections = new WorkerConnections(this.dataSource, Boolean(this.config.database.url));
    this.running = true;
    this.pollTimer = setInterval(() => {
      this.kick();
      if (Date.now() - this.lastDisableCheck >= this.disableCheckMs) this.checkFailing();
    }, this.cfg.pollIntervalMs);
    this.pollTimer.unref();
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.pacing) clearTimeout(this.pacing);
    this.pacing = null;
    await this.filling;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
    await this.http?.close();
    this.http = null;
    await this.connections.release();
  }

  /** Disables the subscriptions failing for too long (checked every few seconds). */
  checkFailing(): void {
    this.lastDisableCheck = Date.now();
    void this.disabler.disableFailing(this.cfg.disableAfterHours).catch((err: unknown) => this.logger.error({ err }, 'could not disable failing webhook subscriptions'));
  }

  /**
   * Runs a claim round now, or right after the one under way. Rounds are at least
   * CLAIM_INTERVAL_MS apart: a claim costs about the same for one lane as for all the free ones
   * (it visits every lane with work), so lanes finishing one after another are claimed together.
   */
  kick(): void {
    if (!this.running) return;
    if (this.filling || this.pacing) {
      this.fillAgain = true;
      return;
    }
    const wait = this.lastClaimAt + CLAIM_INTERVAL_MS - performance.now();
    if (wait > 0) {
      this.pacing = setTimeout(() => {
        this.pacing = null;
        this.kick();
      }, wait);
      return;
    }
    this.fillAgain = false;
    this.lastClaimAt = performance.now();
    this.filling = this.fill()
      .catch((err: unknown) => this.logger.error({ err }, 'claiming webhook deliveries failed'))
      .finally(() => {
        this.filling = null;
        if (this.fillAgain) this.kick();
      });
  }

  private async fill(): Promise<void> {
    while (this.running) {
      const free = this.cfg.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const cap = this.cfg.lanesPerSubscription;
      const saturated = [...this.lanesOf].filter(([, n]) => n >= cap).map(([id]) => id);
      const rows = await this.queue.claim(free, BATCH_PER_LANE, this.instanceId, this.leaseMs, saturated, cap, this.connections.claimDb);
      const byLane = new Map<string, ClaimedSubscriptionDelivery[]>();
      for (const row of rows) {
        const key = `${row.subscriptionId}/${row.sessionId}`;
        const list = byLane.get(key);
        if (list) list.push(row);
        else byLane.set(key, [row]);
      }
      for (const batch of byLane.values()) this.launch(batch);
      if (byLane.size < free) return;
    }
  }

  private launch(batch: ClaimedSubscriptionDelivery[]): void {
    const subscriptionId = batch[0].subscriptionId;
    const key = batch[0].leaseToken + batch[0].id;
    this.lanesOf.set(subscriptionId, (this.lanesOf.get(subscriptionId) ?? 0) + 1);
    const run = this.runBatch(batch)
      .catch((err: unknown) => this.logger.error({ err, webhookId: subscriptionId }, 'webhook batch failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(key);
        const n = (this.lanesOf.get(subscriptionId) ?? 1) - 1;
        if (n <= 0) this.lanesOf.delete(subscriptionId);
        else this.lanesOf.set(subscriptionId, n);
        this.kick();
      });
    this.inFlight.set(key, run);
  }

  /**
   * One lane's rows in order (src/webhooks/lane-delivery.ts). A lane also gives its slot back after
   * BATCH_TIME_SLICE_MS (the rest go back, in order): a slow endpoint's lanes queue again behind the
   * others' due rows instead of keeping their slots.
   */
  private runBatch(batch: ClaimedSubscriptionDelivery[]): Promise<void> {
    const sliceEnds = Date.now() + BATCH_TIME_SLICE_MS;
    return deliverLane(batch, {
      leaseMs: this.leaseMs,
      extendLease: (token) => this.queue.extendLease(token, this.leaseMs, this.connections.completeDb),
      shouldStop: () => !this.running || Date.now() > sliceEnds,
      attempt: async (row) => {
        const completion = await this.attempt(row);
        return { completion, delivered: completion.status === 'delivered' };
      },
      released,
      complete: (completion) => this.completions.add(completion),
    });
  }

  private signerFor(row: ClaimedSubscriptionDelivery): Webhook {
    const key = `${row.subscriptionId}:${row.secret}`;
    let signer = this.signers.get(key);
    if (!signer) {
      if (this.signers.size > 10_000) this.signers.clear();
      signer = createWebhookSigner(row.secret);
      this.signers.set(key, signer);
    }
    return signer;
  }

  private async send(row: ClaimedSubscriptionDelivery, now: Date): Promise<AttemptResult> {
    const http = this.http;
    if (!http) return { statusCode: null, error: 'stopping' };
    try {
      await assertPublicUrl(row.url, this.config.allowPrivateUrls);
    } catch {
      return { statusCode: null, error: 'URL_NOT_ALLOWED: the URL resolves to a loopback, private, link-local or metadata address' };
    }
    const signed = buildCallbackHeaders({ webhookId: row.id, body: row.body, now, signer: this.signerFor(row) });
    // The subscription's own headers first: they never replace the signature or the content type.
    const headers = { ...row.headers, ...signed };
    return http.post({ url: row.url, headers, body: row.body, timeoutMs: this.cfg.timeoutMs });
  }

  private async attempt(row: ClaimedSubscriptionDelivery): Promise<SubscriptionCompletion> {
    const attempt = row.attemptsBefore + 1;
    const t0 = performance.now();
    const result = await this.send(row, new Date());
    const outcome = decideOutcome(result, attempt, UNBOUNDED_ATTEMPTS, Date.now());
    this.metrics.observe(row.subscriptionId, outcome.kind, (performance.now() - t0) / 1000);
    const fields = { deliveryId: row.id, webhookId: row.subscriptionId, sessionId: row.sessionId, event: row.eventType, attempt, statusCode: result.statusCode };
    if (outcome.kind === 'delivered') this.logger.debug(fields, 'webhook delivered');
    else this.logger.debug({ ...fields, error: result.error ?? null, outcome: outcome.kind }, 'webhook attempt failed');
    if (result.statusCode === 410) {
      // The receiver says the endpoint is gone for good: stop sending there (the user can enable it again).
      // Awaited: the lane's next row must not be claimed before the subscription is off.
      await this.disabler.disable(row.subscriptionId, 'gone').catch((err: unknown) => this.logger.error({ err }, 'could not disable a gone webhook'));
    }
    return {
      id: row.id,
      leaseToken: row.leaseToken,
      status: outcome.kind === 'retry' ? 'pending' : outcome.kind,
      attempt,
      retryDelayMs: outcome.kind === 'retry' ? outcome.delayMs : 0,
      statusCode: result.statusCode,
      error: outcome.kind === 'delivered' ? null : (result.error ?? null),
    };
  }
}
