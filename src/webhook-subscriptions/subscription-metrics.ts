/** Prometheus metrics of webhook subscriptions, per subscription, on the app's registry. */
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { SubscriptionQueueRepository } from './subscription-queue.repository.js';

@Injectable()
export class SubscriptionMetrics {
  private readonly outcomes: Counter<'webhook_id' | 'outcome'>;
  private readonly duration: Histogram;

  constructor(metrics: MetricsService, queue: SubscriptionQueueRepository) {
    const registers = [metrics.registry];
    this.outcomes = new Counter({
      name: 'webhook_subscription_deliveries_total',
      help: 'Webhook subscription attempts by subscription and outcome (delivered, retry, dead)',
      labelNames: ['webhook_id', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'webhook_subscription_attempt_duration_seconds',
      help: 'Duration of one webhook subscription HTTP attempt',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    // Read from the database on scrape (true across instances); one query serves both gauges.
    let last: ReturnType<SubscriptionQueueRepository['laneStats']> | null = null;
    const stats = (): ReturnType<SubscriptionQueueRepository['laneStats']> => {
      last ??= queue.laneStats().catch(() => []).finally(() => setImmediate(() => (last = null)));
      return last;
    };
    new Gauge({
      name: 'webhook_subscription_queue_depth',
      help: 'Webhook subscription deliveries not yet delivered, per subscription',
      labelNames: ['webhook_id'],
      registers,
      async collect() {
        this.reset();
        for (const s of await stats()) this.set({ webhook_id: s.subscriptionId }, s.pending);
      },
    });
    new Gauge({
      name: 'webhook_subscription_oldest_pending_age_seconds',
      help: 'Age of the oldest webhook subscription delivery not yet delivered, per subscription',
      labelNames: ['webhook_id'],
      registers,
      async collect() {
        this.reset();
        for (const s of await stats()) this.set({ webhook_id: s.subscriptionId }, s.oldestPendingAgeSeconds);
      },
    });
  }

  observe(subscriptionId: string, outcome: 'delivered' | 'retry' | 'dead', seconds: number): void {
    this.outcomes.inc({ webhook_id: subscriptionId, outcome });
    this.duration.observe(seconds);
  }
}
