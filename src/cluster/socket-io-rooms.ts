/**
 * Socket.io rooms across nodes: Socket.io's Redis Streams adapter (`@socket.io/redis-streams-adapter`)
 * under both namespaces. A room emit on one node is appended to the `wa:socket.io` stream and
 * delivered by every node to its own members, in the order it was emitted; room joins and leaves
 * (`socketsLeave` on a deleted session) reach every node the same way. The broadcaster emits only
 * the events this node committed (`isRemote`), so no event reaches a room twice.
 *
 * The adapter hands each stream entry to its namespace adapter's `onRawMessage`; this wraps it so
 * that the joins under way on this node (RealtimeBroadcaster.joinWithState) keep the room emits
 * the adapter delivers while their state is read: the same no-gap join as on one node.
 */
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis, RedisOptions } from 'ioredis';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import type { DomainEvent } from '../events/event-map.js';
import { RealtimeBroadcaster, type Emission, type RoomTransport } from '../realtime/realtime-broadcaster.js';
import type { RealtimeNamespace } from '../realtime/realtime-protocol.js';
import { EventRelay } from './event-relay.js';
import { RedisBus } from './redis-bus.js';

export const SOCKET_IO_STREAM = 'wa:socket.io';
const STREAM_MAX_LEN = 10_000;
/** The adapter's connection (and the duplicates it makes): see the constructor. */
export const SOCKET_IO_CLIENT_OPTIONS: RedisOptions = { maxRetriesPerRequest: 20 };
/** How long one read of the stream blocks: also how long a stopping node waits for its reader. */
const READ_BLOCK_MS = 1000;
/** socket.io-adapter's MessageType.BROADCAST, as the stream entry carries it. */
const BROADCAST = '3';

type RawEntry = { uid?: string; type?: string; data?: string };
type WrappedAdapter = { uid?: string; onRawMessage?: (raw: RawEntry, offset: string) => void; constructor: { decode?: (raw: RawEntry) => { data?: unknown } } };

@Injectable()
export class SocketIoRooms implements RoomTransport, OnModuleInit, OnApplicationShutdown {
  private readonly publisher: Redis;
  private readonly factory: ReturnType<typeof createAdapter>;
  private readonly servers = new WeakSet<object>();
  private readonly wrapped = new WeakSet<object>();
  private readonly logger: AppLogger;

  constructor(
    bus: RedisBus,
    private readonly relay: EventRelay,
    private readonly broadcaster: RealtimeBroadcaster,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'cluster' });
    // Its own connection, with ioredis' offline queue: emits made during a short Redis outage are
    // sent once it is back (after 20 reconnection attempts, about 10 s, they fail and are dropped;
    // clients tell by the events' `seq`). The adapter duplicates it for its blocking reads.
    this.publisher = bus.newClient('socket.io', SOCKET_IO_CLIENT_OPTIONS);
    this.factory = createAdapter(this.publisher, { streamName: SOCKET_IO_STREAM, maxLen: STREAM_MAX_LEN, blockTimeInMs: READ_BLOCK_MS });
  }

  onModuleInit(): void {
    this.broadcaster.useTransport(this);
  }

  onApplicationShutdown(): void {
    this.publisher.disconnect();
  }

  isRemote(event: DomainEvent): boolean {
    return this.relay.isRelayed(event);
  }

  install(ns: RealtimeNamespace, onRemote: (rooms: readonly string[], emission: Emission) => void): void {
    // One adapter factory per Socket.io server: setting it gives every namespace its adapter.
    if (!this.servers.has(ns.server)) {
      this.servers.add(ns.server);
      ns.server.adapter(this.factory as never);
    }
    const adapter = ns.adapter as unknown as WrappedAdapter;
    if (this.wrapped.has(adapter)) return;
    const deliver = adapter.onRawMessage?.bind(adapter);
    const decode = adapter.constructor.decode;
    if (!deliver || !decode) throw new Error('@socket.io/redis-streams-adapter no longer has onRawMessage/decode: see src/cluster/socket-io-rooms.ts');
    this.wrapped.add(adapter);
    adapter.onRawMessage = (raw, offset) => {
      deliver(raw, offset);
      // This node's own emits were kept by the broadcaster when it made them (the adapter skips them too).
      if (raw.type !== BROADCAST || raw.uid === adapter.uid) return;
      try {
        const { packet, opts } = decode(raw).data as { packet: { data?: unknown[] }; opts: { rooms?: string[] } };
        const [name, payload] = packet.data ?? [];
        if (typeof name === 'string' && opts.rooms) onRemote(opts.rooms, [name as Emission[0], payload]);
      } catch (err) {
        this.logger.warn({ err: { message: (err as Error).message } }, 'could not read a Socket.io stream entry');
      }
    };
  }
}
