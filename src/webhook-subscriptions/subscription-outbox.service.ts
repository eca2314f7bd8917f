/**
 * Fan-out: every public event type (PUBLIC_EVENT_TYPES, the one registry) becomes one outbox row
 * per matching subscription, written inside the event's own transaction, so a delivery exists if
 * and only if the change it reports committed. The few events published without a transaction
 * (presence) are queued right after, by the fan-out statement alone. The worker is woken after the
 * commit of an event that queued something.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { PUBLIC_EVENT_TYPES, PUBLISHED_WITHOUT_TRANSACTION, type DomainEvent } from '../events/event-map.js';
import { SubscriptionQueueRepository } from './subscription-queue.repository.js';
import { SubscriptionWorker } from './subscription-worker.service.js';

/** Event ids that queued rows, awaiting their commit (bounded: a rolled-back event never commits). */
const MAX_PENDING_KICKS = 10_000;

export function envelopeOf(event: DomainEvent): Record<string, unknown> {
  return { type: event.type, sessionId: event.sessionId, eventId: event.eventId, occurredOn: event.occurredOn, payload: event.payload };
}

@Injectable()
export class SubscriptionOutboxService implements OnModuleInit {
  private readonly pendingKicks = new Set<string>();

  constructor(
    private readonly events: DomainEvents,
    private readonly queue: SubscriptionQueueRepository,
    private readonly worker: SubscriptionWorker,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    for (const type of PUBLIC_EVENT_TYPES) {
      if (PUBLISHED_WITHOUT_TRANSACTION.includes(type)) {
        this.events.onCommit(type, async (event) => {
          // Cluster mode: the node that published it queues it, once.
          if (this.events.wasRelayed(event)) return;
          // One statement (counters and rows together) is atomic on its own: no transaction to open.
          const queued = await this.fanOut(this.dataSource.manager, event);
          if (queued > 0) this.worker.kick();
        });
        continue;
      }
      this.events.inTransaction(type, async (manager, event) => {
        if ((await this.fanOut(manager, event)) === 0) return;
        if (this.pendingKicks.size >= MAX_PENDING_KICKS) this.pendingKicks.clear();
        this.pendingKicks.add(event.eventId);
      });
      this.events.onCommit(type, (event) => {
        if (this.pendingKicks.delete(event.eventId)) this.worker.kick();
      });
    }
  }

  private fanOut(manager: EntityManager, event: DomainEvent): Promise<number> {
    return this.queue.fanOut(manager, event.payload.tenantId, event.type, event.sessionId, envelopeOf(event));
  }
}
