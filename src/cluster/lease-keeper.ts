/**
 * This node's leases: claims them for the session registry (the `SessionOwnership` it uses in
 * cluster mode), renews them with the heartbeat every third of the TTL, and fences itself:
 * - a lease missing from a renewal (another node took it over) closes that session's socket;
 * - a credential/key write whose epoch check fails rolls back and closes the socket too;
 * - renewals failing for most of the TTL (the database is unreachable) close every socket here,
 *   before the leases can expire and another node log in with the same credentials;
 * - Redis unreachable for longer than the TTL: the heartbeat says so (placement gives the node
 *   nothing more) and, when another live node still reaches Redis, the paired sessions here are
 *   handed to it (socket closed, lease released); with no such node they stay, nobody does better.
 */
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig, ClusterConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import type { SessionOwnership } from '../sessions/session-ownership.js';
import type { WriteFence } from '../whatsapp/postgres-auth-state.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { LeaseRepository } from './lease-repository.js';
import { RedisBus } from './redis-bus.js';

/** A write refused because this node no longer holds the session's lease. */
export class FencedError extends Error {
  constructor(readonly sessionId: string) {
    super('This node no longer owns the session: the write was refused');
  }
}

/** Renewals may fail for this share of the TTL before every socket here is closed. */
const SELF_FENCE_AFTER = 0.75;

@Injectable()
export class LeaseKeeper implements SessionOwnership, OnModuleInit, OnApplicationShutdown {
  private readonly cluster: ClusterConfig;
  private readonly logger: AppLogger;
  /** Session id → the epoch this node holds. */
  private readonly held = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private renewing = false;
  private lastRenewed = performance.now();
  /** Whether the last heartbeat said this node reaches Redis. */
  private redisOk = true;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly leases: LeaseRepository,
    private readonly registry: SessionRegistry,
    private readonly bus: RedisBus,
    private readonly metrics: ClusterMetrics,
  ) {
    this.cluster = config.cluster!;
    this.logger = logger.child({ module: 'cluster', nodeId: this.cluster.nodeId });
  }

  async onModuleInit(): Promise<void> {
    this.registry.useOwnership(this);
    await this.leases.register(this.cluster.nodeId, this.cluster.nodeUrl);
    this.lastRenewed = performance.now();
    this.timer = setInterval(() => void this.renew(), Math.floor(this.cluster.leaseTtlMs / 3));
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // The registry has closed every socket and released every lease by now (beforeApplicationShutdown).
    await this.leases.forget(this.cluster.nodeId, 24 * 3600_000).catch((err: unknown) => this.logger.warn({ err }, 'could not remove this node from the registry'));
  }

  /** True once the node is shutting down: placement claims nothing more. */
  leavingNow = false;

  /** SIGTERM, before the sockets close: placement everywhere gives this node nothing more. */
  async leaving(): Promise<void> {
    this.leavingNow = true;
    await this.leases.drain(this.cluster.nodeId).catch((err: unknown) => this.logger.warn({ err }, 'could not mark this node as draining'));
  }

  get heldCount(): number {
    return this.held.size;
  }

  async claim(sessionId: string): Promise<WriteFence | null> {
    const epoch = await this.leases.claim(sessionId, this.cluster.nodeId, this.cluster.leaseTtlMs);
    if (epoch === null) {
      this.metrics.claimed('held_elsewhere');
      return null;
    }
    this.held.set(sessionId, epoch);
    this.metrics.claimed('won');
    this.metrics.held(this.held.size);
    this.bus.publish({ kind: 'moved', sessionId, nodeId: this.cluster.nodeId });
    return { check: (manager) => this.check(manager, sessionId, epoch) };
  }

  async release(sessionId: string): Promise<void> {
    const epoch = this.held.get(sessionId);
    if (epoch === undefined) return;
    this.held.delete(sessionId);
    this.metrics.held(this.held.size);
    await this.leases.release(sessionId, this.cluster.nodeId, epoch);
    this.bus.publish({ kind: 'released', nodeId: this.cluster.nodeId });
  }

  private async check(manager: EntityManager, sessionId: string, epoch: string): Promise<void> {
    if (await this.leases.holds(manager, sessionId, this.cluster.nodeId, epoch)) return;
    this.lose(sessionId, epoch, 'lost');
    throw new FencedError(sessionId);
  }

  /** One heartbeat: renews every lease held; a lease that is gone fences its session. */
  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const snapshot = new Map(this.held);
    const redisOk = this.bus.downForMs() < this.cluster.leaseTtlMs;
    try {
      const kept = await this.leases.renew(this.cluster.nodeId, this.cluster.nodeUrl, snapshot, this.cluster.leaseTtlMs, redisOk);
      this.lastRenewed = performance.now();
      const saidBefore = this.redisOk;
      if (redisOk !== saidBefore) this.logger.warn({ redisOk }, redisOk ? 'Redis is back: this node takes sessions again' : 'Redis unreachable for longer than the lease TTL: this node takes no more sessions');
      this.redisOk = redisOk;
      for (const [sessionId, epoch] of snapshot) {
        if (!kept.has(sessionId)) this.lose(sessionId, epoch, 'lost');
        // Released while this renewal ran: the renewal may have extended it after the release.
        else if (this.held.get(sessionId) !== epoch) await this.leases.release(sessionId, this.cluster.nodeId, epoch);
      }
      // From the second such heartbeat on: by then every node that lost Redis too has said so in
      // its own heartbeat (they all lost it at about the same time), and none is taken for healthy.
      if (!redisOk && !saidBefore) await this.handOverWithoutRedis();
    } catch (err) {
      this.metrics.renewFailed();
      const silentFor = performance.now() - this.lastRenewed;
      this.logger.warn({ err, silentForMs: Math.round(silentFor) }, 'could not renew the leases');
      if (silentFor > this.cluster.leaseTtlMs * SELF_FENCE_AFTER) {
        for (const [sessionId, epoch] of this.held) this.lose(sessionId, epoch, 'renewal_failed');
      }
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Cut from Redis (this node's events reach no other node, and theirs not this one): its paired
   * sessions go to a node that reaches Redis, if there is one. Socket first, lease after (never two
   * live sockets); placement there logs them in again. Pending QR/pairing sessions stay here, with
   * the client streaming them.
   */
  private async handOverWithoutRedis(): Promise<void> {
    const paired = [...this.held.keys()].filter((id) => this.registry.get(id)?.isPaired);
    if (paired.length === 0 || !(await this.leases.peerWithRedis(this.cluster.nodeId, this.cluster.leaseTtlMs))) return;
    this.logger.warn({ count: paired.length }, 'Redis unreachable: handing this node\'s sessions to a node that reaches it');
    await Promise.allSettled(paired.map(async (sessionId) => {
      await this.registry.fence(sessionId);
      await this.release(sessionId);
    }));
    this.metrics.handedOverSessions(paired.length);
  }

  private lose(sessionId: string, epoch: string, cause: 'lost' | 'renewal_failed'): void {
    if (this.held.get(sessionId) !== epoch) return;
    this.held.delete(sessionId);
    this.metrics.held(this.held.size);
    this.metrics.fencedSession(cause);
    this.logger.warn({ sessionId, cause }, 'lost the lease of a session: closing its socket here');
    this.registry.fence(sessionId).catch((err: unknown) => this.logger.error({ err, sessionId }, 'could not close a fenced session'));
  }
}
