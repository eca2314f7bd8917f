/**
 * Restore after a crash: N paired sessions, the app killed with SIGKILL, started again; how long
 * until every session is connected again.
 *
 *   npm run bench:restore -- --sessions 1000 [--concurrency C]   (C: WA_RESTORE_CONCURRENCY)
 *
 * The app runs as in production (`node dist/main.js`, built first) in a child process, the
 * simulator in another, the database on a private PostgreSQL (or TEST_DATABASE_URL). Per-session
 * times come from the sessions' own `connected_at` column, counted from the second start. Prints one
 * JSON object: time to all connected, p50/p99 per session, time to listening, CPU of the restarted
 * app (user + system, from /proc, PostgreSQL's own CPU not included) and its peak RSS (VmHWM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import PQueue from 'p-queue';
import { round, summarize } from './support/stats.js';
import { postJson } from '../test/support/app-process-runner.js';
import { freePort } from '../test/support/free-port.js';
import { openBenchDatabase } from './support/bench-database.js';
import { SimulatorProcess } from './support/simulator-process.js';
import { SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../src/simulator/certificates.js';
import { cpuMsOf } from './support/process-cpu.js';

const TIMEOUT_MS = 600_000;
const POLL_MS = 100;

const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
};

function startApp(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['dist/main.js'], { env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function listening(baseUrl: string): Promise<void> {
  await until('listening app', async () => fetch(`${baseUrl}/health`).then((r) => r.ok, () => false));
}

/** CPU seconds (user + system) and peak RSS of a live process, from /proc. */
function processUsage(pid: number): { cpuMs: number; peakRssMB: number } {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuMs: Math.round(cpuMsOf(pid)), peakRssMB: round(Number(hwm?.[1] ?? 0) / 1024) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '1000' }, concurrency: { type: 'string' } }, allowPositionals: true });
  const n = Number(values.sessions);
  if (!(n > 0)) throw new Error('--sessions must be a positive number');
  const concurrency = values.concurrency ?? process.env.WA_RESTORE_CONCURRENCY ?? '10';

  const database = await openBenchDatabase('bench_restore');
  // A pool: the pairing phase polls many sessions' rows at once.
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  const sim = await SimulatorProcess.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', DATABASE_URL: database.url!,
    SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: randomUUID() + randomUUID(), WA_SERVER_URL: sim.url, WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX, WA_QR_TIMEOUT_MS: '60000', WA_RESTORE_CONCURRENCY: concurrency,
    // One tenant holds every benchmark session.
    MAX_SESSIONS_PER_TENANT: String(n + 10),
  };

  // Phase 1: N sessions paired (a bounded number onboarding at a time), then left to settle.
  let app = startApp(env);
  await listening(baseUrl);
  const post = (path: string, body: unknown, token?: string) => postJson(baseUrl, path, body, token);
  await post('/users', { email: 'restore@example.com', password: 'bench-password-1', name: 'Restore' });
  const token = (await post('/auth/login', { email: 'restore@example.com', password: 'bench-password-1' })).accessToken as string;
  const row = async (id: string) => (await db.query<{ status: string; qr_text: string | null }>('SELECT status, qr_text FROM wa_sessions WHERE id = $1', [id])).rows[0];
  const pairing = new PQueue({ concurrency: 20 });
  const pairStarted = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => pairing.add(async () => {
    const id = (await post('/sessions', {}, token)).id as string;
    let qr: string | null = null;
    await until('QR', async () => Boolean((qr = (await row(id))?.qr_text ?? null)));
    await sim.scan(qr!, `5492${String(100000000 + i)}`);
    await until('connected', async () => (await row(id))?.status === 'connected');
  })));
  const pairedMs = performance.now() - pairStarted;
  await new Promise((r) => setTimeout(r, 5000)); // post-open work (pre-key upload, queries) settles

  // Phase 2: SIGKILL, start again, wait for every session to be connected again.
  const killed = new Promise((resolve) => app.once('exit', resolve));
  app.kill('SIGKILL');
  await killed;
  const startedAt = new Date();
  const t0 = performance.now();
  app = startApp(env);
  await listening(baseUrl);
  const listeningMs = performance.now() - t0;
  const connectedCount = async () =>
    Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM wa_sessions WHERE status = 'connected' AND connected_at >= $1", [startedAt])).rows[0].n);
  await until('all sessions connected again', async () => (await connectedCount()) >= n);
  const allConnectedMs = performance.now() - t0;
  const usage = processUsage(app.pid!);
  const perSession = (await db.query<{ ms: number }>('SELECT extract(epoch FROM connected_at - $1::timestamptz) * 1000 AS ms FROM wa_sessions WHERE connected_at >= $1', [startedAt])).rows.map((r) => Number(r.ms));

  console.log(JSON.stringify({
    sessions: n,
    restoreConcurrency: Number(concurrency),
    database: database.kind,
    pairingMs: Math.round(pairedMs),
    restore: {
      listeningMs: Math.round(listeningMs),
      allConnectedMs: Math.round(allConnectedMs),
      allConnectedAfterListeningMs: Math.round(allConnectedMs - listeningMs),
      perSessionMs: summarize(perSession),
      cpuMs: usage.cpuMs,
      cpuMsPerSession: round(usage.cpuMs / n),
      peakRssMB: usage.peakRssMB,
    },
    target: { allConnectedMs: 60_000 },
  }, null, 2));

  const exited = new Promise((resolve) => app.once('exit', resolve));
  app.kill('SIGTERM');
  await exited;
  await sim.stop();
  await db.end();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
