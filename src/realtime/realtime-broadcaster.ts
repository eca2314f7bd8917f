/**
 * Domain events → Socket.io rooms (both namespaces) and plain-WebSocket tenant sinks. One bus handler for the whole process, O(1) per event whatever
 * the number of sockets: a public event (PUBLIC_EVENT_TYPES) is emitted once to its tenant's room
 * under the name equal to its `type`, envelope as-is; seed 004 events go to the session's room
 * when anyone subscribed to it. Socket.io encodes a room emit once and writes it to each socket's
 * buffer without waiting, so a slow client delays neither the others nor the session.
 *
 * Joining a room with an initial state (the snapshot, a subscription's current status) goes through
 * `joinWithState`: events for that room that commit while the state is read from the database are
 * buffered and sent after it, so a client never misses an event nor sees an older state after a
 * newer event.
 *
 * In cluster mode a `RoomTransport` (src/cluster/socket-io-rooms.ts) puts Socket.io's Redis
 * Streams adapter under the namespaces: this node emits the events it committed to the rooms of
 * every node, and the rooms here get other nodes' events from the adapter (not from the event
 * relay, which still feeds the /ws/sessions sinks); the adapter's room emits fill the join buffers.
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { DomainEvents } from '../events/domain-events.js';
import { PUBLIC_EVENT_TYPES, type DomainEvent, type DomainEventType } from '../events/event-map.js';
import { toCompatEvents } from './compat-events.js';
import { RealtimeMetrics } from './realtime-metrics.js';
import { sessionRoom, tenantRoom, type RealtimeNamespace, type RealtimeSocket, type ServerToClientEvents } from './realtime-protocol.js';

/** An event to emit: its name and its one argument. */
export type Emission = readonly [name: keyof ServerToClientEvents, payload: unknown];

/** Receives a tenant's public envelopes (the plain WebSocket transport). */
export type TenantSink = (envelope: DomainEvent) => void;

interface PendingJoin {
  buffer: Emission[];
}

/** How rooms span nodes (cluster mode); without one, rooms are this process's only. */
export interface RoomTransport {
  /** Puts the cluster adapter under the namespace; `onRemote` sees every room emit another node made, as this node delivers it. */
  install(ns: RealtimeNamespace, onRemote: (rooms: readonly string[], emission: Emission) => void): void;
  /** Whether another node committed the event (its room emits come through the adapter). */
  isRemote(event: DomainEvent): boolean;
}

@Injectable()
export class RealtimeBroadcaster implements OnModuleInit, OnModuleDestroy {
  private readonly publicTypes: ReadonlySet<DomainEventType> = new Set(PUBLIC_EVENT_TYPES);
  /** Rooms being joined, by namespace and room (`joinKey`): the buffers of events committed meanwhile. */
  private readonly pendingJoins = new Map<string, Set<PendingJoin>>();
  /** `/sessions` and the default namespace (seed 004's `io(url)`): each gets every event. */
  private readonly namespaces: RealtimeNamespace[] = [];
  private readonly tenantSinks = new Map<string, Set<TenantSink>>();
  private unsubscribe?: () => void;
  private transport?: RoomTransport;
  private readonly logger: AppLogger;

  constructor(
    private readonly events: DomainEvents,
    private readonly metrics: RealtimeMetrics,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'realtime' });
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.onAnyCommit((event) => this.forward(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Each gateway hands over its namespace once Socket.io is up. */
  bind(namespace: RealtimeNamespace): void {
    if (this.namespaces.includes(namespace)) return;
    this.namespaces.push(namespace);
    this.transport?.install(namespace, (rooms, emission) => this.bufferRemote(namespace, rooms, emission));
  }

  /** Cluster mode: rooms span the nodes through `transport` (before or after the namespaces are bound). */
  useTransport(transport: RoomTransport): void {
    this.transport = transport;
    for (const ns of this.namespaces) transport.install(ns, (rooms, emission) => this.bufferRemote(ns, rooms, emission));
  }

  /**
   * A plain-WebSocket client of a tenant (`/ws/sessions`): gets the same public envelopes as the
   * tenant's Socket.io room. Returns the function that removes it.
   */
  addTenantSink(tenantId: string, sink: TenantSink): () => void {
    let set = this.tenantSinks.get(tenantId);
    if (!set) this.tenantSinks.set(tenantId, (set = new Set()));
    set.add(sink);
    return () => {
      set.delete(sink);
      if (set.size === 0 && this.tenantSinks.get(tenantId) === set) this.tenantSinks.delete(tenantId);
    };
  }

  forward(event: DomainEvent): void {
    // Another node's event reaches the rooms here through the adapter, not through this node.
    if (!this.transport?.isRemote(event)) for (const ns of this.namespaces) this.forwardTo(ns, event);
    if (this.publicTypes.has(event.type)) {
      for (const sink of this.tenantSinks.get(event.payload.tenantId) ?? []) {
        try {
          sink(event);
        } catch (err) {
          this.logger.error({ err, event: event.type }, 'could not send an event to a WebSocket client');
        }
      }
    }
  }

  private forwardTo(ns: RealtimeNamespace, event: DomainEvent): void {
    if (this.publicTypes.has(event.type)) {
      this.emitTo(ns, tenantRoom(event.payload.tenantId), [event.type as keyof ServerToClientEvents, event]);
      this.metrics.eventForwarded(event.type);
    }
    const room = sessionRoom(event.sessionId);
    if (!this.transport && !ns.adapter.rooms.has(room) && !this.pendingJoins.has(joinKey(ns.name, room))) return;
    for (const compat of toCompatEvents(event)) this.emitTo(ns, room, [compat.name, compat.payload]);
    if (event.type === 'session.deleted') ns.in(room).socketsLeave(room);
  }

  /**
   * Emits `load()`'s result to the socket, then the events of `room` committed meanwhile, then
   * joins the room (all in one tick, so nothing falls in between). `load()` answering null
   * refuses the join: nothing is sent. False when refused or the socket left meanwhile.
   */
  async joinWithState(socket: RealtimeSocket, room: string, load: () => Promise<Emission[] | null>): Promise<boolean> {
    const pending: PendingJoin = { buffer: [] };
    const key = joinKey(socket.nsp.name, room);
    let set = this.pendingJoins.get(key);
    if (!set) this.pendingJoins.set(key, (set = new Set()));
    set.add(pending);
    try {
      const initial = await load();
      if (initial === null || socket.disconnected) return false;
      for (const emission of initial) emitOne(socket, emission);
      for (const emission of pending.buffer) emitOne(socket, emission);
      await socket.join(room);
      return true;
    } finally {
      set.delete(pending);
      if (set.size === 0 && this.pendingJoins.get(key) === set) this.pendingJoins.delete(key);
    }
  }

  private emitTo(ns: RealtimeNamespace, room: string, emission: Emission): void {
    // An empty room costs nothing: Socket.io would still encode the packet. In cluster mode the
    // room may have members on other nodes only.
    if (this.transport || ns.adapter.rooms.has(room)) {
      try {
        (ns.to(room).emit as (name: string, payload: unknown) => boolean)(emission[0], emission[1]);
      } catch (err) {
        this.logger.error({ err, room, event: emission[0] }, 'could not emit to a room');
      }
    }
    const pending = this.pendingJoins.get(joinKey(ns.name, room));
    if (pending) for (const join of pending) join.buffer.push(emission);
  }

  /** A room emit of another node, as the adapter delivers it here: the joins under way keep it too. */
  private bufferRemote(ns: RealtimeNamespace, rooms: readonly string[], emission: Emission): void {
    for (const room of rooms) {
      const pending = this.pendingJoins.get(joinKey(ns.name, room));
      if (pending) for (const join of pending) join.buffer.push(emission);
    }
  }
}

function joinKey(namespace: string, room: string): string {
  return `${namespace}\u0000${room}`;
}

function emitOne(socket: RealtimeSocket, [name, payload]: Emission): void {
  (socket.emit as (name: string, payload: unknown) => boolean)(name, payload);
}
