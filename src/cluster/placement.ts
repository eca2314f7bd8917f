/**
 * Placement: every node runs the same reconciler (every quarter of the lease TTL, and at once when
 * a node releases leases). It reads the sessions no node holds and the live nodes with their load,
 * deals the orphans out to the least-loaded node first (ties by node id, so that every node
 * computes the same plan) and claims only its own share, in waves of WA_RESTORE_CONCURRENCY.
 * A node that died leaves its leases to expire; a node that stops cleanly releases them.
 * Sessions waiting for a scan stay with the node that created them (their lease is renewed there);
 * an SSE onboarding whose node died is removed, as a restart does (its client went with it).
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import PQueue from 'p-queue';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig, ClusterConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionStore } from '../sessions/session-store.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LeaseRepository, type LiveNode, type Orphan } from './lease-repository.js';
import { RedisBus } from './redis-bus.js';

/** Orphans read per round (the rest wait for the next one). */
const ROUND_LIMIT = 1000;

/** Deals orphans to nodes, least-loaded first (ties by id): the same plan on every node. */
export function planPlacement(orphans: readonly Orphan[], nodes: readonly LiveNode[]): Map<string, Orphan[]> {
  const load = nodes.map((n) => ({ id: n.id, sessions: n.sessions })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const plan = new Map<string, Orphan[]>(load.map((n) => [n.id, []]));
  if (load.length === 0) return plan;
  for (const orphan of orphans) {
    let target = load[0]!;
    for (const n of load) if (n.sessions < target.sessions) target = n;
    target.sessions += 1;
    plan.get(target.id)!.push(orphan);
  }
  return plan;
}

@Injectable()
export class Placement implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly cluster: ClusterConfig;
  private readonly logger: AppLogger;
  private readonly concurrency: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly leases: LeaseRepository,
    private readonly keeper: LeaseKeeper,
    private readonly registry: SessionRegistry,
    private readonly store: SessionStore,
    private readonly bus: RedisBus,
  ) {
    this.cluster = config.cluster!;
    this.concurrency = config.whatsapp.restoreConcurrency;
    this.logger = logger.child({ module: 'cluster', nodeId: this.cluster.nodeId });
  }

  onApplicationBootstrap(): void {
    this.bus.subscribe((message) => {
      if (message.kind === 'released' && message.nodeId !== this.cluster.nodeId) this.kick();
    });
    this.timer = setInterval(() => this.kick(), Math.max(500, Math.floor(this.cluster.leaseTtlMs / 4)));
    this.timer.unref();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a round now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: unknown) => this.logger.warn({ err }, 'placement round failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async round(): Promise<void> {
    // A node cut from Redis gets no share of the plan while another node reaches it (liveNodes).
    if (this.keeper.leavingNow) return;
    const orphans = await this.leases.orphans(this.cluster.leaseTtlMs, ROUND_LIMIT);
    if (orphans.length === 0) return;
    const nodes = await this.leases.liveNodes(this.cluster.leaseTtlMs);
    const mine = planPlacement(orphans, nodes).get(this.cluster.nodeId) ?? [];
    if (mine.length === 0) return;
    this.logger.info({ count: mine.length, orphans: orphans.length }, 'taking over sessions no node holds');
    const queue = new PQueue({ concurrency: this.concurrency });
    for (const orphan of mine) void queue.add(() => this.adopt(orphan));
    await queue.onIdle();
  }

  private async adopt(orphan: Orphan): Promise<void> {
    if (this.stopped || this.keeper.leavingNow) return;
    const row = await this.store.findById(orphan.sessionId);
    if (!row) return;
    try {
      if (orphan.kind === 'abandoned') {
        // Claimed first, so that two nodes never both remove it.
        if (!(await this.keeper.claim(row.id))) return;
        await this.registry.remove(row);
        await this.keeper.release(row.id);
        this.logger.info({ sessionId: row.id }, 'removed an SSE onboarding whose node went away');
        return;
      }
      await this.registry.restore(row);
    } catch (err) {
      this.logger.debug({ err, sessionId: row.id }, 'could not take over a session (another node may have)');
    }
  }
}
