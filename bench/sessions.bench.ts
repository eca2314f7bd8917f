/**
 * Sessions benchmark: N sessions onboarded at once through the product (POST /sessions over HTTP,
 * real Baileys, the simulator scanning each QR), then kept connected and idle.
 *
 *   npm run bench:sessions -- --sessions 200 [--arrivals-per-second R] [--pacing [--sends 2000] [--sends-per-session 20]]
 *
 * The simulator runs in a child process so that the app's memory is measured alone; the app uses
 * a private PostgreSQL (or TEST_DATABASE_URL). Prints one JSON object: first-QR latency (request to
 * QR event; all sessions requested at once), open latency (scan to connected; all phones scan at
 * once), GET /health latency every 50 ms meanwhile, and RSS / heap per connected idle session
 * after GC. With `--pacing`, then the send pipeline on those sessions (bench/support/send-pipeline.ts):
 * the Idempotency-Key's cost on an unpaced send, and the throughput of every session paced at 0 ms.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAppModules } from './support/app-modules.js';
import { round, summarize } from './support/stats.js';
import { postJson } from '../test/support/app-process-runner.js';
import { openBenchDatabase } from './support/bench-database.js';
import { SimulatorProcess } from './support/simulator-process.js';
import { measureSendPipeline } from './support/send-pipeline.js';
import { SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../src/simulator/certificates.js';

const within = <T>(promise: Promise<T>, what: string, ms = 180_000): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref())]);

const mb = (bytes: number): number => round(bytes / 1024 / 1024);

async function gcAndMeasure(): Promise<{ rss: number; heapUsed: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: '200' },
      'arrivals-per-second': { type: 'string', default: '0' },
      pacing: { type: 'boolean', default: false },
      // 2,000 of each: the key's added p99 is a difference of two p99s, and the p99 of 200 sends is their second-slowest.
      sends: { type: 'string', default: '2000' },
      'sends-per-session': { type: 'string', default: '20' },
    },
    allowPositionals: true,
  });
  const n = Number(values.sessions);
  // 0: every session requested in the same instant (a burst); R > 0: R new sessions a second.
  const rate = Number(values['arrivals-per-second']);
  if (!(n > 0)) throw new Error('--sessions must be a positive number');
  if (!(globalThis as { gc?: unknown }).gc) throw new Error('run with --expose-gc (npm run bench:sessions does)');

  const { createApp, loadConfig, createRootLogger, DomainEvents } = await loadAppModules();

  const database = await openBenchDatabase('bench_sessions');

  const sim = await SimulatorProcess.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sessions-'));
  const config = loadConfig({
    NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', DATABASE_URL: database.url!,
    SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: randomUUID() + randomUUID(), WA_SERVER_URL: sim.url, WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX, WA_QR_TIMEOUT_MS: '60000',
    MAX_SESSIONS_PER_TENANT: String(n + 10), // one tenant holds every benchmark session
    // The CPU switches (docs/performance.md), passed through to compare with them on and off.
    ...Object.fromEntries(['WA_NATIVE_CRYPTO', 'WA_PREKEY_WORKERS'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
  });
  const { app } = await createApp(config, createRootLogger('error'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const events = app.get(DomainEvents);

  const post = (path: string, body: unknown, token?: string) => postJson(baseUrl, path, body, token);
  await post('/users', { email: 'bench@example.com', password: 'bench-password-1', name: 'Bench' });
  const token = (await post('/auth/login', { email: 'bench@example.com', password: 'bench-password-1' })).accessToken as string;

  const baseline = await gcAndMeasure();

  // Latest QR and connected events of every session, by session id.
  const latestQr = new Map<string, string>();
  const qrWaiters = new Map<string, () => void>();
  const openWaiters = new Map<string, () => void>();
  events.onCommit('session.qr.updated', (e) => {
    latestQr.set(e.sessionId, e.payload.qrText);
    qrWaiters.get(e.sessionId)?.();
  });
  events.onCommit('session.status.changed', (e) => {
    if (e.payload.status === 'connected') openWaiters.get(e.sessionId)?.();
  });

  const firstQrMs: number[] = [];
  const openMs: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  // An HTTP request every 50 ms through both phases: how long the app takes to answer one.
  const probeMs: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await fetch(`${baseUrl}/health`).then((r) => r.arrayBuffer());
      probeMs.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  // Phase 1: N sessions requested at once (or at the given rate); latency from request to first QR.
  const ids = (
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        try {
          if (rate > 0) await new Promise((r) => setTimeout(r, (i / rate) * 1000));
          const t0 = performance.now();
          const created = await post('/sessions', {}, token);
          const id = created.id as string;
          if (!latestQr.has(id)) await within(new Promise<void>((resolve) => qrWaiters.set(id, resolve)), 'first QR');
          firstQrMs.push(performance.now() - t0);
          return id;
        } catch (err) {
          failures.push(String(err));
          return null;
        }
      }),
    )
  ).filter((id): id is string => id !== null);

  // Phase 2: every phone scans at once; latency from scan to connected (pairing, 515, login, open).
  await Promise.all(
    ids.map(async (id, i) => {
      try {
        const opened = new Promise<void>((resolve) => openWaiters.set(id, resolve));
        const t1 = performance.now();
        await sim.scan(latestQr.get(id)!, `5491${String(100000000 + i)}`);
        await within(opened, 'connected');
        openMs.push(performance.now() - t1);
      } catch (err) {
        failures.push(String(err));
      }
    }),
  );
  const allOpenMs = performance.now() - started;
  probing = false;
  await probe;

  // Let the post-open queries settle, then measure idle memory.
  await new Promise((r) => setTimeout(r, 5000));
  const idle = await gcAndMeasure();
  const connected = openMs.length;

  const result = {
    sessions: n,
    arrivals: rate > 0 ? `${rate}/s` : 'all at once',
    connected,
    failures: failures.length,
    ...(failures.length ? { firstFailure: failures[0] } : {}),
    database: database.kind,
    firstQrMs: summarize(firstQrMs),
    httpDuringBurstMs: summarize(probeMs),
    openMs: summarize(openMs),
    allOnboardedMs: Math.round(allOpenMs),
    memory: {
      baselineRssMB: mb(baseline.rss),
      idleRssMB: mb(idle.rss),
      rssPerSessionMB: mb((idle.rss - baseline.rss) / Math.max(1, connected)),
      baselineHeapMB: mb(baseline.heapUsed),
      idleHeapMB: mb(idle.heapUsed),
      heapPerSessionMB: mb((idle.heapUsed - baseline.heapUsed) / Math.max(1, connected)),
    },
    targets: { rssPerSessionMB: 5, firstQrP99Ms: 1000, httpDuringBurstP99Ms: 100 },
    ...(values.pacing
      ? { sendPipeline: await measureSendPipeline({ baseUrl, token, sessionIds: ids, events, sends: Number(values.sends), perSession: Number(values['sends-per-session']) }) }
      : {}),
  };
  console.log(JSON.stringify(result, null, 2));

  await app.close();
  await sim.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
  // Baileys leaves a 30 s pre-key upload timer behind; nothing else is pending.
  process.exit(0);
}

await main();
