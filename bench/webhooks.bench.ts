/**
 * Callback throughput on a real PostgreSQL (TEST_DATABASE_URL if set, otherwise a private server
 * started like the test suite's; `--embedded` for PGlite). Two phases, N callbacks each, enqueued
 * through DomainEvents transactions (one event per transaction, as producers do) across S sessions,
 * to a local receiver:
 *  - live: the receiver answers 200 while the producers run → enqueue rate, end-to-end delivery
 *    rate, commit-to-delivery latency p50/p99;
 *  - backlog: the receiver answers 503 (Retry-After: 2) while the producers run, then recovers →
 *    how fast the worker drains a backlog (deliveries per second, first to last).
 * Both check: every callback delivered, no duplicate, per-session order kept.
 * With `--subscriptions K` (webhook subscriptions, docs/webhooks.md), three more phases with K
 * subscriptions to every event on the same receiver, N events each becoming K·N deliveries:
 * paced (events at `--paced-deliveries` / K per second: the commit-to-delivery latency of a steady
 * load), live (unpaced: rate and latency when producers outrun delivery), backlog (drain rate);
 * all checked for completeness, duplicates and order per (subscription, session). Prints JSON.
 *
 *   npm run bench:webhooks -- --callbacks 10000 [--sessions 100] [--concurrency 64] [--subscriptions 10 [--paced-deliveries 1000]] [--embedded]
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { percentile, round } from './support/stats.js';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    callbacks: { type: 'string', default: '10000' },
    sessions: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '64' },
    embedded: { type: 'boolean', default: false },
    subscriptions: { type: 'string', default: '0' },
    'paced-deliveries': { type: 'string', default: '1000' },
  },
});
const SUBSCRIPTIONS = Number(values.subscriptions);
/** The subscriptions' paced phase: events per second such that K subscriptions get this many deliveries per second. */
const PACED_DELIVERIES = Number(values['paced-deliveries']);
const N = Number(values.callbacks);
const SESSIONS = Math.min(Number(values.sessions), N);
const CONCURRENCY = Number(values.concurrency);


/** Counts one phase's deliveries (callbacks carry `b:<phase>:<index>:<index in session>`). */
class Tally {
  readonly deliveredAt: Float64Array;
  readonly enqueuedAt: Float64Array;
  private readonly lastInSession = new Map<string, number>();
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  first = 0;
  last = 0;
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor(readonly n: number) {
    this.deliveredAt = new Float64Array(n).fill(NaN);
    this.enqueuedAt = new Float64Array(n);
    this.done = new Promise((r) => (this.resolve = r));
  }

  record(sessionId: string, idx: number, inSession: number, now: number): void {
    if (!Number.isNaN(this.deliveredAt[idx])) {
      this.duplicates++;
      return;
    }
    this.deliveredAt[idx] = now;
    if (++this.received === 1) this.first = now;
    if (inSession < (this.lastInSession.get(sessionId) ?? -1)) this.outOfOrder++;
    this.lastInSession.set(sessionId, inSession);
    if (this.received === this.n) {
      this.last = now;
      this.resolve();
    }
  }

  latencies(): number[] {
    const out: number[] = [];
    // (A delivery can land before the producer's await returns: counted as 0.)
    for (let i = 0; i < this.n; i++) if (!Number.isNaN(this.deliveredAt[i])) out.push(Math.max(0, this.deliveredAt[i] - this.enqueuedAt[i]));
    return out.sort((a, b) => a - b);
  }
}

async function main(): Promise<void> {
  const { createApp, loadConfig, createRootLogger, DomainEvents } = await loadAppModules();

  // --- database ---
  const database = await openBenchDatabase('bench_webhooks', { embedded: Boolean(values.embedded) });
  const databaseUrl = database.url;

  // --- receiver ---
  const phases: Record<string, Tally> = { live: new Tally(N), backlog: new Tally(N) };
  const subPhases: Record<string, Tally> = SUBSCRIPTIONS > 0
    ? { spaced: new Tally(SUBSCRIPTIONS * N), slive: new Tally(SUBSCRIPTIONS * N), sbacklog: new Tally(SUBSCRIPTIONS * N) }
    : {};
  /** During the subscription phases the callbacks (same events) are accepted, never refused. */
  let subscriptionPhase = false;
  let refusing = false;
  let refusals = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sub = /^\/sub\/(\d+)$/.exec(req.url ?? '');
      if (refusing && (sub || !subscriptionPhase)) {
        refusals++;
        res.writeHead(503, { 'retry-after': '2' });
        res.end();
        return;
      }
      if (sub) {
        // A subscription delivery: the seed 002 envelope; one tally per phase over K·N deliveries.
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sessionId: string; payload: { qrText: string } };
        const [, phase, idx, inSession] = body.payload.qrText.split(':');
        const k = Number(sub[1]);
        subPhases[phase]?.record(`${k}/${body.sessionId}`, k * N + Number(idx), Number(inSession), performance.now());
      } else {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { session_id: string; qr_data: string };
        const [, phase, idx, inSession] = body.qr_data.split(':');
        phases[phase]?.record(body.session_id, Number(idx), Number(inSession), performance.now());
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  // --- app ---
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-00',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    BACKEND_BASE_URL: receiverUrl,
    WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
    BACKEND_API_KEY: 'bench-api-key',
    BACKEND_RETRIES: '100',
    WEBHOOK_CONCURRENCY: String(CONCURRENCY),
    WEBHOOK_SUBSCRIPTION_CONCURRENCY: String(CONCURRENCY),
    ALLOW_PRIVATE_URLS: 'true',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const { app } = await createApp(config, createRootLogger(config.logLevel));
  const events = app.get(DomainEvents);

  /** Every session produces its share in order; the sessions run in parallel. */
  /** `eventsPerSecond`: events are spread over time at that rate (paced), else produced as fast as they commit. */
  async function produce(phase: string, tally: Tally, subTally?: Tally, eventsPerSecond?: number): Promise<number> {
    const fanOut = subTally ? SUBSCRIPTIONS : 0;
    const sessions = Array.from({ length: SESSIONS }, () => ({ id: randomUUID(), tenantId: randomUUID() }));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      sessions.map(async (s, k) => {
        const share = Math.floor(N / SESSIONS) + (k < N % SESSIONS ? 1 : 0);
        for (let i = 0; i < share; i++) {
          const idx = next++;
          if (eventsPerSecond) {
            const due = started + (idx * 1000) / eventsPerSecond - performance.now();
            if (due > 0) await new Promise((r) => setTimeout(r, due));
          }
          await events.transaction(async (tx) => {
            await tx.emit('session.qr.updated', s.id, {
              tenantId: s.tenantId,
              qr: 'data:image/png;base64,',
              qrText: `b:${phase}:${idx}:${i}`,
              expiresAt: new Date().toISOString(),
              attempt: i + 1,
            });
          });
          // Latency counts from the commit (producers queueing for a pool connection is not ours).
          const committed = performance.now();
          tally.enqueuedAt[idx] = committed;
          for (let k = 0; k < fanOut; k++) subTally!.enqueuedAt[k * N + idx] = committed;
        }
      }),
    );
    return performance.now() - started;
  }
  const within = <T>(p: Promise<T>, ms: number): Promise<T | void> =>
    Promise.race([p, new Promise<void>((r) => setTimeout(r, ms).unref())]);

  // Phase 1: live.
  const liveStart = performance.now();
  const liveEnqueueMs = await produce('live', phases.live);
  await within(phases.live.done, 300_000);
  const live = phases.live;
  const liveLat = live.latencies();

  // Phase 2: a backlog built while the backend is down, then drained.
  refusing = true;
  const backlogEnqueueMs = await produce('backlog', phases.backlog);
  refusing = false;
  await within(phases.backlog.done, 300_000);
  const backlog = phases.backlog;

  // Phases 3 and 4: K subscriptions to every event (the callbacks keep flowing beside them).
  let subscriptions: Record<string, unknown> | undefined;
  const subTallies: Tally[] = [];
  if (SUBSCRIPTIONS > 0) {
    subscriptionPhase = true;
    const dataSource = app.get((await import('typeorm')).DataSource);
    for (let k = 0; k < SUBSCRIPTIONS; k++) {
      await dataSource.query(
        `INSERT INTO webhook_subscriptions (id, tenant_id, url, events, secret) VALUES ($1, NULL, $2, '{*}', $3)`,
        [randomUUID(), `${receiverUrl}/sub/${k}`, `whsec_${Buffer.from(randomUUID()).toString('base64')}`],
      );
    }
    // Paced: events at PACED_DELIVERIES / K per second, the latency a steady load sees.
    const eventsPerSecond = PACED_DELIVERIES / SUBSCRIPTIONS;
    const spacedStart = performance.now();
    await produce('spaced', new Tally(N), subPhases.spaced, eventsPerSecond);
    await within(subPhases.spaced.done, 600_000);
    const spaced = subPhases.spaced;
    const spacedLat = spaced.latencies();
    // Unpaced ("live" as for the callbacks): producers as fast as they commit, K deliveries each.
    const sliveStart = performance.now();
    const sliveEnqueueMs = await produce('slive', new Tally(N), subPhases.slive);
    await within(subPhases.slive.done, 600_000);
    const slive = subPhases.slive;
    const sliveLat = slive.latencies();
    refusing = true;
    const sbacklogEnqueueMs = await produce('sbacklog', new Tally(N), subPhases.sbacklog);
    refusing = false;
    await within(subPhases.sbacklog.done, 600_000);
    const sbacklog = subPhases.sbacklog;
    subTallies.push(spaced, slive, sbacklog);
    subscriptions = {
      subscriptions: SUBSCRIPTIONS,
      eventsPerPhase: N,
      deliveriesPerPhase: SUBSCRIPTIONS * N,
      paced: {
        delivered: spaced.received,
        duplicates: spaced.duplicates,
        outOfOrder: spaced.outOfOrder,
        offeredDeliveriesPerSecond: PACED_DELIVERIES,
        deliveriesPerSecond: round(spaced.received / (((spaced.last || performance.now()) - spacedStart) / 1000)),
        commitToDeliveryLatencyMs: { p50: round(percentile(spacedLat, 50)), p90: round(percentile(spacedLat, 90)), p99: round(percentile(spacedLat, 99)), max: round(spacedLat.at(-1) ?? NaN) },
      },
      live: {
        delivered: slive.received,
        duplicates: slive.duplicates,
        outOfOrder: slive.outOfOrder,
        eventsEnqueuedPerSecond: round(N / (sliveEnqueueMs / 1000)),
        deliveriesPerSecond: round(slive.received / (((slive.last || performance.now()) - sliveStart) / 1000)),
        commitToDeliveryLatencyMs: { p50: round(percentile(sliveLat, 50)), p90: round(percentile(sliveLat, 90)), p99: round(percentile(sliveLat, 99)), max: round(sliveLat.at(-1) ?? NaN) },
      },
      backlog: {
        delivered: sbacklog.received,
        duplicates: sbacklog.duplicates,
        outOfOrder: sbacklog.outOfOrder,
        eventsEnqueuedPerSecond: round(N / (sbacklogEnqueueMs / 1000)),
        drainSeconds: round(((sbacklog.last || performance.now()) - sbacklog.first) / 1000),
        deliveriesPerSecond: round(sbacklog.received / (((sbacklog.last || performance.now()) - sbacklog.first) / 1000)),
      },
    };
  }

  const result = {
    benchmark: 'webhooks',
    database: database.kind,
    callbacksPerPhase: N,
    sessions: SESSIONS,
    concurrency: CONCURRENCY,
    live: {
      delivered: live.received,
      duplicates: live.duplicates,
      outOfOrder: live.outOfOrder,
      enqueuePerSecond: round(N / (liveEnqueueMs / 1000)),
      deliveriesPerSecond: round(live.received / (((live.last || performance.now()) - liveStart) / 1000)),
      commitToDeliveryLatencyMs: { p50: round(percentile(liveLat, 50)), p90: round(percentile(liveLat, 90)), p99: round(percentile(liveLat, 99)), max: round(liveLat.at(-1) ?? NaN) },
    },
    backlog: {
      delivered: backlog.received,
      duplicates: backlog.duplicates,
      outOfOrder: backlog.outOfOrder,
      refusedAttemptsWhileDown: refusals,
      enqueuePerSecond: round(N / (backlogEnqueueMs / 1000)),
      drainSeconds: round(((backlog.last || performance.now()) - backlog.first) / 1000),
      deliveriesPerSecond: round(backlog.received / (((backlog.last || performance.now()) - backlog.first) / 1000)),
    },
    ...(subscriptions ? { subscriptions } : {}),
  };

  await app.close();
  await new Promise<void>((r) => receiver.close(() => r()));
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify(result, null, 2));
  const ok = [live, backlog].every((t) => t.received === N && t.duplicates === 0 && t.outOfOrder === 0)
    && subTallies.every((t) => t.received === t.n && t.duplicates === 0 && t.outOfOrder === 0);
  process.exitCode = ok ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
