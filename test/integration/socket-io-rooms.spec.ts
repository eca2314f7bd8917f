/**
 * Socket.io rooms across nodes (src/cluster/socket-io-rooms.ts) on a real redis-server: two
 * "nodes" in this process, each its own Socket.io server, broadcaster and Redis Streams adapter.
 * A room emit of one node reaches the other node's members once, and a client that joins on the
 * other node while the emit arrives (its state still being read) gets it after that state: the
 * no-gap join holds across nodes.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { ClusterMetrics } from '../../src/cluster/cluster-metrics.js';
import { EventRelay } from '../../src/cluster/event-relay.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { SocketIoRooms } from '../../src/cluster/socket-io-rooms.js';
import { createRootLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { DomainEvents } from '../../src/events/domain-events.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { RealtimeBroadcaster, type Emission } from '../../src/realtime/realtime-broadcaster.js';
import { RealtimeMetrics } from '../../src/realtime/realtime-metrics.js';
import { REALTIME_NAMESPACE, tenantRoom, type RealtimeNamespace, type RealtimeSocket } from '../../src/realtime/realtime-protocol.js';
import { startRedis, type RedisServer } from '../support/cluster-harness.js';

interface Node {
  http: HttpServer;
  io: Server;
  ns: RealtimeNamespace;
  bus: RedisBus;
  events: DomainEvents;
  broadcaster: RealtimeBroadcaster;
  rooms: SocketIoRooms;
  url: string;
}

describe('Socket.io rooms across nodes (Redis Streams adapter)', () => {
  let redis: RedisServer;
  let x: Node;
  let y: Node;
  const clients: ClientSocket[] = [];
  const tenantId = randomUUID();
  const room = tenantRoom(tenantId);

  async function startNode(id: string): Promise<Node> {
    const config = loadConfig({
      NODE_ENV: 'test', JWT_SECRET: 'test-secret-test-secret-test-secret-0123', REDIS_URL: redis.url, NODE_ID: id,
      NODE_URL: 'http://127.0.0.1:9', DATABASE_URL: 'postgres://unused@127.0.0.1:9/unused',
    });
    const logger = createRootLogger('silent');
    const metrics = new MetricsService();
    const bus = new RedisBus(config, logger, new ClusterMetrics(metrics, config));
    // Nothing is committed in this test (no database): events are published, as presence is.
    const events = new DomainEvents(undefined as never, logger);
    const relay = new EventRelay(events, bus, new ClusterMetrics(new MetricsService(), config));
    const broadcaster = new RealtimeBroadcaster(events, new RealtimeMetrics(metrics), logger);
    const http = createServer();
    const server = new Server(http);
    const ns = server.of(REALTIME_NAMESPACE) as unknown as RealtimeNamespace;
    broadcaster.bind(ns);
    const rooms = new SocketIoRooms(bus, relay, broadcaster, logger);
    rooms.onModuleInit();
    // As in the app: this node's events go to its broadcaster and the event stream, other nodes' come back through the stream.
    broadcaster.onModuleInit();
    relay.onModuleInit();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return { http, io: server, ns, bus, events, broadcaster, rooms, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
  }

  async function stopNode(n: Node | undefined): Promise<void> {
    if (!n) return;
    await new Promise<void>((resolve) => n.io.close(() => resolve()));
    n.rooms.onApplicationShutdown();
    await n.bus.onApplicationShutdown();
  }

  /** A client of `n` and its server-side socket; `received` records what reaches the client. */
  async function connect(n: Node): Promise<{ socket: RealtimeSocket; received: Array<[string, unknown]> }> {
    const serverSide = new Promise<ServerSocket>((resolve) => n.ns.once('connection', (s: unknown) => resolve(s as ServerSocket)));
    const client = io(`${n.url}${REALTIME_NAMESPACE}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(client);
    const received: Array<[string, unknown]> = [];
    client.onAny((name: string, payload: unknown) => received.push([name, payload]));
    return { socket: (await serverSide) as unknown as RealtimeSocket, received };
  }

  const until = async (what: string, probe: () => boolean): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  };

  /** An event published on node `n` (its broadcaster emits it, its relay appends it to the event stream). */
  const publish = (n: Node, text: string): void => {
    n.events.publish('session.messages.upsert', randomUUID(), {
      tenantId, upsertType: 'notify', requestId: null, messagesCount: 1,
      messages: [{ id: text, remoteJid: 'x@s.whatsapp.net', chatJid: 'x@s.whatsapp.net', fromMe: false, timestamp: 1, type: 'conversation', text, pushName: null, status: null, quotedMessageId: null, forwarded: false }],
    } as never);
  };
  const textsOf = (received: Array<[string, unknown]>): string[] =>
    received.filter(([name]) => name === 'session.messages.upsert').map(([, e]) => (e as { payload: { messages: Array<{ text: string }> } }).payload.messages[0]!.text);

  beforeAll(async () => {
    redis = await startRedis();
    x = await startNode('node-x');
    y = await startNode('node-y');
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await stopNode(x);
    await stopNode(y);
    await redis?.stop();
  });

  it("delivers one node's room emits to the other node's members once, in order", async () => {
    const member = await connect(y);
    expect(await y.broadcaster.joinWithState(member.socket, room, async () => [])).toBe(true);
    // The adapter reads the stream from when it started: emit until node-y is reading it.
    for (let i = 0; textsOf(member.received).length === 0; i++) {
      publish(x, `probe ${i}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = textsOf(member.received).length;
    for (let i = 0; i < 20; i++) publish(x, `ordered ${i}`);
    // node-y gets each event twice (adapter and event stream) but emits none of them again: a
    // last event of its own, behind them in both streams' order, closes the count.
    const relayed = new Promise<void>((resolve) => y.events.onCommit('session.messages.upsert', (e) => (e.payload.messages[0]?.text === 'ordered 19' ? resolve() : undefined)));
    await relayed;
    publish(y, 'from node-y');
    await until('node-y\'s own event', () => textsOf(member.received).includes('from node-y'));
    expect(textsOf(member.received).slice(before)).toEqual([...Array.from({ length: 20 }, (_, i) => `ordered ${i}`), 'from node-y']);
  });

  it('gives a client that joins while the emit arrives that emit after its state, not before and not never', async () => {
    const member = await connect(y);
    await y.broadcaster.joinWithState(member.socket, room, async () => []);
    const joining = await connect(y);
    let release!: (state: Emission[]) => void;
    const state = new Promise<Emission[]>((resolve) => (release = resolve));
    const joined = y.broadcaster.joinWithState(joining.socket, room, () => state);

    // While its state is being read, node-x emits to the room and node-y delivers it to the member.
    publish(x, 'during the join');
    await until('the emit on node-y', () => textsOf(member.received).includes('during the join'));
    expect(joining.received).toEqual([]);

    release([['session.snapshot', { type: 'session.snapshot', tenantId }]]);
    expect(await joined).toBe(true);
    publish(x, 'after the join');
    await until('both emits at the joined client', () => textsOf(joining.received).includes('after the join'));
    expect(joining.received.map(([name]) => name)).toEqual(['session.snapshot', 'session.messages.upsert', 'session.messages.upsert']);
    expect(textsOf(joining.received)).toEqual(['during the join', 'after the join']);
  });
});
