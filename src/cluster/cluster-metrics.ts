/** Prometheus metrics of cluster mode, labelled with this node's id (served on /metrics). */
import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

@Injectable()
export class ClusterMetrics {
  private readonly node: string;
  private readonly leasesHeld: Gauge<'node'>;
  private readonly claims: Counter<'node' | 'outcome'>;
  private readonly fenced: Counter<'node' | 'cause'>;
  private readonly renewFailures: Counter<'node'>;
  private readonly forwarded: Counter<'node' | 'outcome'>;
  private readonly relayLatency: Histogram<'node'>;
  private readonly redisReachable: Gauge<'node'>;
  private readonly dropped: Counter<'node'>;
  private readonly waiting: Gauge<'node'>;
  private readonly handedOver: Counter<'node'>;

  constructor(metrics: MetricsService, @Inject(APP_CONFIG) config: AppConfig) {
    const registers = [metrics.registry];
    this.node = config.cluster!.nodeId;
    this.leasesHeld = new Gauge({ name: 'wa_cluster_leases_held', help: 'Session leases this node holds', labelNames: ['node'], registers });
    this.claims = new Counter({ name: 'wa_cluster_claims_total', help: 'Lease claims by outcome (won, held_elsewhere)', labelNames: ['node', 'outcome'], registers });
    this.fenced = new Counter({ name: 'wa_cluster_fenced_sessions_total', help: 'Sessions closed here because their lease was lost (lost, renewal_failed)', labelNames: ['node', 'cause'], registers });
    this.renewFailures = new Counter({ name: 'wa_cluster_renew_failures_total', help: 'Heartbeat and lease renewal rounds that failed', labelNames: ['node'], registers });
    this.forwarded = new Counter({ name: 'wa_cluster_forwarded_requests_total', help: 'REST requests forwarded to the owning node, by outcome (ok, misdirected, unreachable)', labelNames: ['node', 'outcome'], registers });
    this.relayLatency = new Histogram({
      name: 'wa_cluster_event_relay_seconds', help: 'From the commit on another node to the dispatch here', labelNames: ['node'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    this.redisReachable = new Gauge({ name: 'wa_cluster_redis_up', help: 'Whether this node reaches Redis (1) or not (0)', labelNames: ['node'], registers });
    this.dropped = new Counter({ name: 'wa_cluster_events_dropped_total', help: 'Committed events that never reached Redis (backlog full, or a failed append)', labelNames: ['node'], registers });
    this.waiting = new Gauge({ name: 'wa_cluster_events_backlog', help: 'Committed events waiting for Redis', labelNames: ['node'], registers });
    this.handedOver = new Counter({ name: 'wa_cluster_redis_handovers_total', help: 'Sessions this node handed to another one because it lost Redis', labelNames: ['node'], registers });
    this.leasesHeld.set({ node: this.node }, 0);
    this.redisReachable.set({ node: this.node }, 0);
    this.waiting.set({ node: this.node }, 0);
    this.dropped.inc({ node: this.node }, 0);
  }

  redisUp(up: boolean): void {
    this.redisReachable.set({ node: this.node }, up ? 1 : 0);
  }

  eventsDropped(count: number): void {
    this.dropped.inc({ node: this.node }, count);
  }

  backlog(size: number): void {
    this.waiting.set({ node: this.node }, size);
  }

  handedOverSessions(count: number): void {
    this.handedOver.inc({ node: this.node }, count);
  }

  held(count: number): void {
    this.leasesHeld.set({ node: this.node }, count);
  }

  claimed(outcome: 'won' | 'held_elsewhere'): void {
    this.claims.inc({ node: this.node, outcome });
  }

  fencedSession(cause: 'lost' | 'renewal_failed'): void {
    this.fenced.inc({ node: this.node, cause });
  }

  renewFailed(): void {
    this.renewFailures.inc({ node: this.node });
  }

  forward(outcome: 'ok' | 'misdirected' | 'unreachable'): void {
    this.forwarded.inc({ node: this.node, outcome });
  }

  relayed(seconds: number): void {
    this.relayLatency.observe({ node: this.node }, seconds);
  }
}
