/**
 * `npm start` (build, then the app) and `npm run start:prod` stop on SIGTERM / SIGINT sent to the
 * npm process itself, as a process manager or a terminal sends them: the app shuts down
 * gracefully and no process is left behind (the script execs node, so npm's signal reaches it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port.js';
import { createTestDatabase } from '../support/test-database.js';

/** Every live descendant of `pid` (from /proc). */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const visit = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runAndSignal(script: string, signal: NodeJS.Signals, env: Record<string, string> = {}): Promise<{ code: number | null; leftovers: number[]; appPids: number[]; output: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-npm-start-'));
  const port = await freePort();
  const npm = spawn('npm', ['run', script], {
    env: { ...process.env, NODE_OPTIONS: '', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', WA_SANDBOX: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    npm.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`listening on http://127.0.0.1:${port}`)) resolve();
    });
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`npm exited (${code}) before the app listened:\n${output}`)));
  });
  const appPids = descendantsOf(npm.pid!);
  npm.kill(signal);
  const code = await exited;
  const leftovers = appPids.filter(alive);
  rmSync(dataDir, { recursive: true, force: true });
  return { code, leftovers, appPids, output };
}

describe('npm scripts and signals', () => {
  // `npm start` runs the build first: this test takes as long as `npm run build`.
  it('SIGTERM to `npm start` stops the app with a clean shutdown and leaves no process', async () => {
    const { leftovers, appPids, output } = await runAndSignal('start', 'SIGTERM');
    expect(appPids.length).toBeGreaterThan(0);
    expect(leftovers).toEqual([]);
    expect(output).toMatch(/"msg":"shut down on SIGTERM: /);
  }, 240_000);

  it('SIGINT to `npm run start:prod` (on PostgreSQL) does the same', async () => {
    const db = await createTestDatabase('npm_start');
    const { leftovers, appPids, output } = await runAndSignal('start:prod', 'SIGINT', { DATABASE_URL: db.url });
    await db.drop();
    expect(appPids.length).toBeGreaterThan(0);
    expect(leftovers).toEqual([]);
    expect(output).toMatch(/"msg":"shut down on SIGINT: /);
  }, 120_000);
});
