/** Prometheus metrics of the callbacks, registered on the app's registry. */
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { DELIVERY_STATUSES } from './webhook.entities.js';
import { WebhookQueueRepository } from './webhook-queue.repository.js';

@Injectable()
export class WebhookMetrics {
  readonly outcomes: Counter<'event' | 'outcome'>;
  readonly attemptDuration: Histogram<'event' | 'result'>;

  constructor(metrics: MetricsService, queue: WebhookQueueRepository) {
    const registers = [metrics.registry];
    this.outcomes = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Callback attempts by event and outcome (delivered, retry, dead)',
      labelNames: ['event', 'outcome'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'webhook_attempt_duration_seconds',
      help: 'Duration of one callback HTTP attempt, by event and result (2xx, 4xx, 5xx, error)',
      labelNames: ['event', 'result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    // Gauges are read from the database on scrape: they are true across all instances.
    let lastStats: Promise<Awaited<ReturnType<WebhookQueueRepository['stats']>> | null> | null = null;
    const stats = (): Promise<Awaited<ReturnType<WebhookQueueRepository['stats']>> | null> => {
      lastStats ??= queue.stats().catch(() => null).finally(() => setImmediate(() => (lastStats = null)));
      return lastStats;
    };
    new Gauge({
      name: 'webhook_queue_depth',
      help: 'Callbacks in the outbox by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const s = await stats();
        if (!s) return;
        for (const status of DELIVERY_STATUSES) this.set({ status }, s.byStatus[status]);
      },
    });
    new Gauge({
      name: 'webhook_oldest_pending_age_seconds',
      help: 'Age of the oldest callback not yet delivered (0 when none)',
      registers,
      async collect() {
        const s = await stats();
        if (s) this.set(s.oldestPendingAgeSeconds ?? 0);
      },
    });
  }

  static resultLabel(statusCode: number | null): string {
    if (statusCode === null) return 'error';
    return `${Math.floor(statusCode / 100)}xx`;
  }
}
