/**
 * Cluster tests and benchmarks: a private redis-server (Debian's /usr/bin/redis-server) on a free
 * port, and app nodes as child processes (test/support/app-process.ts) on ports chosen up front,
 * so that each node's NODE_URL is known before it starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, type AppProcess } from './app-process-runner.js';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  /** Stops the server (its data is gone: no persistence) and starts a new one on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts redis-server without persistence on a free loopback port; resolves once it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let current = await spawnRedis(port);
  const stopCurrent = async () => {
    if (current.child.exitCode === null && current.child.signalCode === null) current.child.kill('SIGTERM');
    await current.exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    restart: async () => {
      await stopCurrent();
      current = await spawnRedis(port);
    },
    stop: stopCurrent,
  };
}

async function spawnRedis(port: number): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`redis-server exited before it was ready: ${out.slice(-500)}`)));
  });
  return { child, exited };
}

export interface ClusterNode extends AppProcess {
  id: string;
  port: number;
}

/** Starts one node of the cluster (a child process) with `env` shared by all nodes. */
export async function startNode(id: string, env: Record<string, string>): Promise<ClusterNode> {
  const port = await freePort();
  const app = await startAppProcess({
    DATA_DIR: mkdtempSync(join(tmpdir(), `wa-${id}-`)),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
    PORT: String(port),
    NODE_ID: id,
    NODE_URL: `http://127.0.0.1:${port}`,
  });
  // TEST_LOG_DIR=/tmp/x keeps each node's log lines in /tmp/x/<id>.log (with TEST_LOG_LEVEL).
  if (process.env.TEST_LOG_DIR) app.child.stdout!.pipe(createWriteStream(join(process.env.TEST_LOG_DIR, `${id}.log`)));
  return { ...app, id, port };
}
