/**
 * The in-process event bus. Two kinds of subscriber:
 * - `onCommit` handlers run after the change that produced the event is committed (realtime,
 *   SSE, metrics): they never block the producer, and one failing never affects another;
 * - `inTransaction` handlers run inside the producer's database transaction (the webhook outbox),
 *   so that what they write commits or rolls back with the change itself.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import type { DomainEvent, DomainEventMap, DomainEventType } from './event-map.js';

type CommitHandler<K extends DomainEventType> = (event: DomainEvent<K>) => void | Promise<void>;
type TxHandler<K extends DomainEventType> = (manager: EntityManager, event: DomainEvent<K>) => Promise<void>;

export interface EventTransaction {
  manager: EntityManager;
  emit<K extends DomainEventType>(type: K, sessionId: string, payload: DomainEventMap[K]): Promise<DomainEvent<K>>;
}

/**
 * Numbers committed events (cluster mode, src/cluster/event-sequencer.ts): called inside the
 * producer's transaction after its work, right before the commit; sets `seq` on the events it
 * numbers. A single node has none, and its envelopes carry no `seq`.
 */
export interface EventSequencer {
  assign(manager: EntityManager, events: readonly DomainEvent[]): Promise<void>;
  /** The last number given to each session of a tenant (a snapshot says where the live events go on from). */
  current(tenantId: string): Promise<Map<string, number>>;
}

export function makeEvent<K extends DomainEventType>(type: K, sessionId: string, payload: DomainEventMap[K]): DomainEvent<K> {
  return { type, sessionId, eventId: randomUUID(), occurredOn: new Date().toISOString(), payload };
}

@Injectable()
export class DomainEvents {
  private readonly logger: AppLogger;
  private readonly commitHandlers = new Map<DomainEventType, Array<CommitHandler<DomainEventType>>>();
  private readonly txHandlers = new Map<DomainEventType, Array<TxHandler<DomainEventType>>>();
  private readonly anyHandlers: Array<CommitHandler<DomainEventType>> = [];
  private sequencer?: EventSequencer;
  private readonly relayedEvents = new WeakSet<DomainEvent>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'events' });
  }

  onCommit<K extends DomainEventType>(type: K, handler: CommitHandler<K>): () => void {
    const list = this.commitHandlers.get(type) ?? [];
    list.push(handler as CommitHandler<DomainEventType>);
    this.commitHandlers.set(type, list);
    return () => {
      const i = list.indexOf(handler as CommitHandler<DomainEventType>);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Every committed event, whatever its type (the realtime gateway forwards by name). */
  onAnyCommit(handler: CommitHandler<DomainEventType>): () => void {
    this.anyHandlers.push(handler);
    return () => {
      const i = this.anyHandlers.indexOf(handler);
      if (i >= 0) this.anyHandlers.splice(i, 1);
    };
  }

  /** Cluster mode registers its sequencer here at init. */
  useSequencer(sequencer: EventSequencer): void {
    this.sequencer = sequencer;
  }

  /** Cluster mode: the last sequence number of each session of the tenant; undefined on a single node (no numbers). */
  async lastSeqs(tenantId: string): Promise<Map<string, number> | undefined> {
    return this.sequencer?.current(tenantId);
  }

  inTransaction<K extends DomainEventType>(type: K, handler: TxHandler<K>): void {
    const list = this.txHandlers.get(type) ?? [];
    list.push(handler as TxHandler<DomainEventType>);
    this.txHandlers.set(type, list);
  }

  /**
   * Runs `work` in one transaction; events it emits reach the transactional handlers at once and
   * the commit handlers after the commit. Nothing is published when `work` throws.
   *
   * `alone`: `work` runs a single statement and emits only these types. When none of them has a
   * transactional handler and no sequencer numbers events, nothing needs to commit with that
   * statement: it runs without BEGIN/COMMIT (a status change on a node without callbacks).
   */
  async transaction<T>(work: (tx: EventTransaction) => Promise<T>, alone?: readonly DomainEventType[]): Promise<T> {
    const emitted: DomainEvent[] = [];
    const open = (manager: EntityManager, allowed?: readonly DomainEventType[]): EventTransaction => ({
      manager,
      emit: async (type, sessionId, payload) => {
        if (allowed && !allowed.includes(type)) throw new Error(`${type} was not declared for a statement alone`);
        const event = makeEvent(type, sessionId, payload);
        for (const handler of this.txHandlers.get(type) ?? []) await handler(manager, event);
        emitted.push(event);
        return event;
      },
    });
    const result = alone && !this.sequencer && !alone.some((type) => (this.txHandlers.get(type)?.length ?? 0) > 0)
      ? await work(open(this.dataSource.manager, alone))
      : await this.dataSource.transaction(async (manager) => {
        const out = await work(open(manager));
        if (this.sequencer && emitted.length > 0) await this.sequencer.assign(manager, emitted);
        return out;
      });
    for (const event of emitted) this.dispatch(event);
    return result;
  }

  /** Publishes events that change nothing in the database (presence, for instance). */
  publish<K extends DomainEventType>(type: K, sessionId: string, payload: DomainEventMap[K]): DomainEvent<K> {
    const event = makeEvent(type, sessionId, payload);
    if ((this.txHandlers.get(type) ?? []).length > 0) {
      throw new Error(`${type} has transactional subscribers: emit it inside transaction()`);
    }
    this.dispatch(event);
    return event;
  }

  /**
   * An event another node committed (cluster mode, src/cluster/event-relay.ts): it reaches this
   * node's commit handlers (SSE, realtime) as if it had been committed here.
   */
  relay(event: DomainEvent): void {
    this.relayedEvents.add(event);
    this.dispatch(event);
  }

  /** Whether another node committed the event (a commit handler that writes must leave it to that node). */
  wasRelayed(event: DomainEvent): boolean {
    return this.relayedEvents.has(event);
  }

  private dispatch(event: DomainEvent): void {
    const handlers = [...(this.commitHandlers.get(event.type) ?? []), ...this.anyHandlers];
    for (const handler of handlers) {
      try {
        const out = handler(event);
        if (out instanceof Promise) out.catch((err: unknown) => this.logFailure(event, err));
      } catch (err) {
        this.logFailure(event, err);
      }
    }
  }

  private logFailure(event: DomainEvent, err: unknown): void {
    this.logger.error({ err, eventType: event.type, sessionId: event.sessionId }, 'event handler failed');
  }
}
