/**
 * The Redis connections that subscribe, on a real redis-server. The Socket.io Redis Streams
 * adapter duplicates SocketIoRooms' client and subscribes whenever a namespace adapter is made,
 * which can fall between the duplicate's "connect" and "ready". With ioredis' ready check on, the
 * INFO that follows such a SUBSCRIBE is refused in subscriber mode, the connection loops on
 * reconnects and a node could exit at boot (ioredis 5.8.2–5.11 issue #2037, fixed in 6.0; a CI run
 * lost the cluster suite to it). Here every duplicate subscribes at its "connect" event, the
 * widest form of that window, and must be subscribed once, with no error and no reconnection.
 */
import { randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { ClusterMetrics } from '../../src/cluster/cluster-metrics.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { SOCKET_IO_CLIENT_OPTIONS } from '../../src/cluster/socket-io-rooms.js';
import { createRootLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { startRedis, type RedisServer } from '../support/cluster-harness.js';

const DUPLICATES = 10;

describe('Redis connections that subscribe', () => {
  let redis: RedisServer;
  let bus: RedisBus;
  const opened: Redis[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const config = loadConfig({
      NODE_ENV: 'test', JWT_SECRET: 'test-secret-test-secret-test-secret-0123', REDIS_URL: redis.url, NODE_ID: 'sub-test',
      NODE_URL: 'http://127.0.0.1:9', DATABASE_URL: 'postgres://unused@127.0.0.1:9/unused',
    });
    const metrics = new MetricsService();
    bus = new RedisBus(config, createRootLogger('silent'), new ClusterMetrics(metrics, config));
  });

  afterAll(async () => {
    for (const client of opened) client.disconnect();
    await bus?.onApplicationShutdown();
    await redis?.stop();
  });

  /**
   * Duplicates of a client made with `options`, each subscribing at its "connect"; resolves once
   * each has settled (ready, or its first error) and then got one message.
   */
  async function subscribeWhileConnecting(options: RedisOptions): Promise<{ settled: string[]; errors: string[]; reconnects: number; received: number }> {
    const channel = `test:${randomUUID()}`;
    const base = bus.newClient('test-base', options);
    opened.push(base);
    const errors: string[] = [];
    let reconnects = 0;
    const subscribed: Array<Promise<void>> = [];
    const settled: Array<Promise<string>> = [];
    const received: Array<Promise<void>> = [];
    for (let i = 0; i < DUPLICATES; i++) {
      const dup = base.duplicate();
      opened.push(dup);
      settled.push(new Promise<string>((resolve) => {
        dup.once('ready', () => resolve('ready'));
        dup.once('error', (err: Error) => resolve(err.message));
      }));
      dup.on('error', (err: Error) => errors.push(err.message));
      dup.on('reconnecting', () => reconnects++);
      subscribed.push(
        new Promise<void>((resolve, reject) => dup.once('connect', () => dup.subscribe(channel).then(() => resolve(), reject))),
      );
      received.push(new Promise<void>((resolve) => dup.once('message', () => resolve())));
    }
    await Promise.all(subscribed);
    const outcomes = await Promise.all(settled);
    if (outcomes.some((o) => o !== 'ready')) return { settled: outcomes, errors, reconnects, received: 0 };
    await base.publish(channel, 'hello');
    await Promise.all(received);
    return { settled: outcomes, errors, reconnects, received: received.length };
  }

  it('the Socket.io adapter client: a subscribe between connect and ready neither fails nor reconnects', async () => {
    const outcome = await subscribeWhileConnecting(SOCKET_IO_CLIENT_OPTIONS);
    expect(outcome).toEqual({ settled: Array(DUPLICATES).fill('ready'), errors: [], reconnects: 0, received: DUPLICATES });
  });

  it('the bus\' own connections: the same holds', async () => {
    const outcome = await subscribeWhileConnecting({});
    expect(outcome).toEqual({ settled: Array(DUPLICATES).fill('ready'), errors: [], reconnects: 0, received: DUPLICATES });
  });
});
