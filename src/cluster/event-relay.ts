/**
 * Domain events across nodes: every event committed here is appended to the Redis stream, and
 * every event another node committed is dispatched to this node's commit handlers, so SSE streams,
 * Socket.io rooms and /ws/sessions clients on any node see every session. Callbacks are not
 * relayed: they are outbox rows, written once by the node that committed the change.
 */
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DomainEvents } from '../events/domain-events.js';
import type { DomainEvent } from '../events/event-map.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { RedisBus } from './redis-bus.js';

@Injectable()
export class EventRelay implements OnModuleInit, OnModuleDestroy {
  /** Events that came from another node: not sent back out. */
  private readonly relayed = new WeakSet<DomainEvent>();
  private unsubscribe?: () => void;

  constructor(
    private readonly events: DomainEvents,
    private readonly bus: RedisBus,
    private readonly metrics: ClusterMetrics,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onAnyCommit((event) => {
      if (this.relayed.has(event)) return;
      this.bus.appendEvent(JSON.stringify({ ...event, publishedAt: Date.now() }));
    });
    this.bus.readEvents(({ payload }) => {
      const { publishedAt, ...event } = JSON.parse(payload) as DomainEvent & { publishedAt?: number };
      if (typeof publishedAt === 'number') this.metrics.relayed(Math.max(0, Date.now() - publishedAt) / 1000);
      this.relayed.add(event);
      this.events.relay(event);
    });
  }

  /** Whether the event came from another node (through the stream), not committed here. */
  isRelayed(event: DomainEvent): boolean {
    return this.relayed.has(event);
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
