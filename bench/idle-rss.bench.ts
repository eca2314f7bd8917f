/**
 * Idle memory right after boot, as production runs the app: `node <start:prod's flags>
 * dist/main.js` (built first), no sessions, measured from /proc (VmRSS) once /health answers and
 * the process has settled, as the median of several samples one second apart.
 *
 *   npm run bench:idle -- [--settle-ms 10000] [--samples 5]
 *
 * Three boots: the embedded PGlite database on an empty data directory (first start: the cluster
 * is created and migrated), the same directory again (a restart), and a private PostgreSQL server
 * (or TEST_DATABASE_URL). Prints one JSON object (MB).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/free-port.js';
import { openBenchDatabase } from './support/bench-database.js';

const { values } = parseArgs({ options: { 'settle-ms': { type: 'string', default: '10000' }, samples: { type: 'string', default: '5' } } });
const SETTLE_MS = Number(values['settle-ms']);
const SAMPLES = Number(values.samples);
const BOOT_TIMEOUT_MS = 120_000;

/** The node flags of `npm run start:prod`, so that the benchmark measures what production runs. */
const prodFlags = (): string[] => {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'];
  return script.split(/\s+/).filter((word) => word.startsWith('--'));
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function waitHealthy(port: number, child: ChildProcess): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < BOOT_TIMEOUT_MS) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode} before /health answered`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (ok) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`/health did not answer within ${BOOT_TIMEOUT_MS} ms`);
}

async function measureBoot(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, [...prodFlags(), 'dist/main.js'], {
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: 'bench-idle-rss-secret-0123456789abcdef', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const bootMs = await waitHealthy(port, child);
    await sleep(SETTLE_MS);
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      samples.push(rssMb(child.pid!));
      await sleep(1000);
    }
    const peak = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
    samples.sort((a, b) => a - b);
    return { boot_ms: bootMs, rss_mb: Math.round(samples[Math.floor(samples.length / 2)]), peak_rss_mb: Math.round(peak) };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
const db = await openBenchDatabase('bench_idle');
try {
  const embeddedFirst = await measureBoot({ DATA_DIR: dataDir });
  const embeddedRestart = await measureBoot({ DATA_DIR: dataDir });
  const postgres = await measureBoot({ DATA_DIR: dataDir, DATABASE_URL: db.url! });
  console.log(
    JSON.stringify({
      bench: 'idle-rss',
      node: process.version,
      flags: prodFlags(),
      settle_ms: SETTLE_MS,
      embedded_first_boot: embeddedFirst,
      embedded_restart: embeddedRestart,
      postgres: { ...postgres, database: db.kind },
      targets_mb: { embedded: 250, postgres: 200 },
    }),
  );
} finally {
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
}
