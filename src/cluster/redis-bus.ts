/**
 * Redis in cluster mode: fan-out and wake-ups only, never state (leases live in PostgreSQL).
 * - `wa:events`, a stream (XADD/XREAD): every committed domain event, read by every node in order;
 *   a node whose connection drops resumes from the last id it read, so a blip loses nothing the
 *   stream still holds (MAXLEN ~10,000).
 * - `wa:cluster`, a pub/sub channel: "a lease was released" (placement runs at once) and "a session
 *   moved" (route caches forget it). At-most-once is fine: both are also polled. And "a credential
 *   was revoked" (revocation-relay.ts): at most once too; a node that misses one closes the
 *   connections at the access token's expiry, or an API key's at its next authentication.
 * While Redis is unreachable, events wait in a bounded backlog (the oldest dropped and counted past
 * 10,000), control messages are dropped, and `downForMs()` tells the lease keeper for how long.
 */
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { Revocation } from '../auth/credential-revocations.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig, ClusterConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { EventBacklog } from './event-backlog.js';

const EVENTS_STREAM = 'wa:events';
const CONTROL_CHANNEL = 'wa:cluster';
const STREAM_MAX_LEN = 10_000;
const READ_BLOCK_MS = 5000;
/** Events kept for Redis while it is unreachable (the oldest are dropped past it). */
const BACKLOG_MAX = STREAM_MAX_LEN;
const FLUSH_BATCH = 500;

/**
 * Every connection (duplicates made by the Socket.io adapter inherit them). ioredis 6 would speak
 * RESP3 and back off up to 5 s between reconnections; these keep RESP2, whose XREAD/XRANGE replies
 * this bus and the adapter parse, and a reconnection within 2 s of Redis coming back (ioredis 5's
 * schedule), which the lease keeper's timing and the Socket.io client's 20 attempts assume.
 */
const CONNECTION_DEFAULTS: RedisOptions = {
  protocol: 2,
  retryStrategy: (times: number) => Math.min(times * 50, 2000),
  maxRetriesPerRequest: null,
};

export type ControlMessage =
  | { kind: 'released'; nodeId: string }
  | { kind: 'moved'; sessionId: string; nodeId: string }
  | { kind: 'revoked'; nodeId: string; revocation: Revocation };

export interface StreamEntry {
  origin: string;
  payload: string;
}

@Injectable()
export class RedisBus implements OnApplicationShutdown {
  private readonly cluster: ClusterConfig;
  private readonly logger: AppLogger;
  private readonly commands: Redis;
  private subscriber?: Redis;
  private readonly handlers: Array<(message: ControlMessage) => void> = [];
  private reader?: Redis;
  private stopped = false;
  private reading?: Promise<void>;
  private readonly backlog = new EventBacklog(BACKLOG_MAX);
  private flushing = false;
  /** performance.now() when the commands connection was last lost; null while it is ready. */
  private downSince: number | null = performance.now();
  private lastDropWarning = 0;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly metrics: ClusterMetrics,
  ) {
    this.cluster = config.cluster!;
    this.logger = logger.child({ module: 'cluster' });
    // No offline queue: while Redis is down, events wait in the bounded backlog instead.
    this.commands = this.connect('commands', { enableOfflineQueue: false });
    this.commands.on('ready', () => {
      if (this.downSince !== null) this.logger.info({ downForMs: Math.round(performance.now() - this.downSince) }, 'Redis reachable');
      this.downSince = null;
      this.metrics.redisUp(true);
      this.flush();
    });
    this.commands.on('close', () => {
      if (this.downSince === null) this.downSince = performance.now();
      this.metrics.redisUp(false);
    });
  }

  /** How long Redis has been unreachable, in ms (0 while it is reachable). */
  downForMs(): number {
    return this.downSince === null ? 0 : performance.now() - this.downSince;
  }

  /** Appends a committed event to the stream (fire and forget), in order, through the backlog while Redis is down. */
  appendEvent(payload: string): void {
    if (this.commands.status === 'ready' && this.backlog.size === 0 && !this.flushing) {
      this.xadd(payload).catch((err: unknown) => this.lost(1, err));
      return;
    }
    if (this.backlog.push(payload)) {
      this.metrics.eventsDropped(1);
      this.warnDropped();
    }
    this.metrics.backlog(this.backlog.size);
    this.flush();
  }

  private xadd(payload: string): Promise<unknown> {
    return this.commands.xadd(EVENTS_STREAM, 'MAXLEN', '~', String(STREAM_MAX_LEN), '*', 'n', this.cluster.nodeId, 'e', payload);
  }

  /** Sends the backlog, oldest first, while Redis is reachable. */
  private flush(): void {
    if (this.flushing || this.backlog.size === 0 || this.commands.status !== 'ready') return;
    this.flushing = true;
    void (async () => {
      try {
        while (this.backlog.size > 0 && this.commands.status === 'ready' && !this.stopped) {
          const batch = this.backlog.take(FLUSH_BATCH);
          this.metrics.backlog(this.backlog.size);
          const pipeline = this.commands.pipeline();
          for (const payload of batch) pipeline.xadd(EVENTS_STREAM, 'MAXLEN', '~', String(STREAM_MAX_LEN), '*', 'n', this.cluster.nodeId, 'e', payload);
          const results = await pipeline.exec().catch((err: unknown) => batch.map(() => [err as Error, null] as [Error, null]));
          const failed = (results ?? []).filter(([err]) => err);
          if (failed.length > 0) this.lost(failed.length, failed[0]![0]);
        }
      } finally {
        this.flushing = false;
      }
      this.flush();
    })();
  }

  /** Events that did not reach Redis: counted and logged, never retried (they may have landed). */
  private lost(count: number, err: unknown): void {
    this.metrics.eventsDropped(count);
    this.logger.warn({ err: { message: (err as Error | undefined)?.message }, count }, 'could not publish events to Redis');
  }

  private warnDropped(): void {
    if (Date.now() - this.lastDropWarning < 5000) return;
    this.lastDropWarning = Date.now();
    this.logger.warn({ dropped: this.backlog.dropped, kept: this.backlog.size }, 'Redis unreachable: dropping the oldest events waiting for it');
  }

  /** Reads the stream from now on, in order, until shutdown; entries from this node are skipped. */
  readEvents(handle: (entry: StreamEntry) => void): void {
    const reader = (this.reader = this.connect('reader'));
    this.reading = (async () => {
      let lastId = await this.tailId(reader);
      while (!this.stopped) {
        try {
          const batch = (await reader.xread('COUNT', 500, 'BLOCK', READ_BLOCK_MS, 'STREAMS', EVENTS_STREAM, lastId)) as Array<[string, Array<[string, string[]]>]> | null;
          for (const [, entries] of batch ?? []) {
            for (const [id, fields] of entries) {
              lastId = id;
              const origin = fieldOf(fields, 'n');
              const payload = fieldOf(fields, 'e');
              if (origin !== this.cluster.nodeId && payload !== undefined) handle({ origin: origin ?? '', payload });
            }
          }
        } catch (err) {
          if (this.stopped) return;
          this.logger.warn({ err }, 'reading events from Redis failed; retrying');
          await new Promise((r) => setTimeout(r, 500).unref());
        }
      }
    })();
  }

  /** A control message: dropped while Redis is down (every receiver also polls). */
  publish(message: ControlMessage): void {
    if (this.commands.status !== 'ready') return;
    this.commands.publish(CONTROL_CHANNEL, JSON.stringify(message)).catch((err: unknown) => this.logger.warn({ err }, 'could not publish to Redis'));
  }

  /**
   * Adds a handler of the control channel (one subscriber connection for all of them). Never waits
   * for Redis: a node boots while it is down, and ioredis subscribes once it is reachable.
   */
  subscribe(handle: (message: ControlMessage) => void): void {
    this.handlers.push(handle);
    if (this.subscriber) return;
    const subscriber = (this.subscriber = this.connect('subscriber'));
    subscriber.on('message', (_channel: string, raw: string) => {
      let message: ControlMessage;
      try {
        message = JSON.parse(raw) as ControlMessage;
      } catch {
        this.logger.warn('ignoring a malformed cluster message');
        return;
      }
      for (const handler of this.handlers) handler(message);
    });
    subscriber.subscribe(CONTROL_CHANNEL).catch((err: unknown) => this.logger.warn({ err }, 'could not subscribe to the cluster channel'));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.reader?.disconnect();
    await this.reading?.catch(() => undefined);
    this.subscriber?.disconnect();
    // Not quit(): with Redis down it would wait for a reconnection that may never come.
    this.commands.disconnect();
  }

  /** The id of the stream's newest entry ("0-0" when empty): reading starts after it. */
  private async tailId(reader: Redis): Promise<string> {
    for (;;) {
      try {
        const last = (await reader.xrevrange(EVENTS_STREAM, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
        return last[0]?.[0] ?? '0-0';
      } catch (err) {
        if (this.stopped) return '$';
        this.logger.warn({ err }, 'Redis is not reachable yet; retrying');
        await new Promise((r) => setTimeout(r, 500).unref());
      }
    }
  }

  /** A connection of its own for another user of Redis (the Socket.io adapter), logged like these; the caller closes it. */
  newClient(role: string, options: RedisOptions = {}): Redis {
    return this.connect(role, options);
  }

  private connect(role: string, options: RedisOptions = {}): Redis {
    const client = new Redis(this.cluster.redisUrl, { ...CONNECTION_DEFAULTS, connectionName: `wa-${this.cluster.nodeId}-${role}`, ...options });
    let lastError = 0;
    client.on('error', (err: Error) => {
      // ioredis retries on its own: one line every few seconds is enough.
      if (Date.now() - lastError < 5000) return;
      lastError = Date.now();
      this.logger.warn({ err: { message: err.message }, role }, 'Redis connection error');
    });
    return client;
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
