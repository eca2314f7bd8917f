/**
 * Cluster tests and benchmarks: a private redis-server (Debian's /usr/bin/redis-server) on a free
 * port, and app nodes as child processes (test/support/app-process.ts) on ports chosen up front,
 * so that each node's NODE_URL is known before it starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, type AppProcess } from './app-process-runner.js';
import { freePort } from './free-port.js';
import type { Json } from './auth-helpers.js';
import type { RecordingSocket } from './realtime-harness.js';

export { freePort };

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

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

export interface TcpProxy {
  /** Where to connect instead of the target (`redis://127.0.0.1:<port>`-style callers add the scheme). */
  port: number;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy to `targetPort`: what a node dialling it sees when the network between it
 * and the target fails (its connections reset, new ones refused), while others dial the target directly.
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut: () => {
      cut = true;
      for (const socket of open) socket.destroy();
    },
    restore: () => {
      cut = false;
    },
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A JSON request to one node with a bearer token. */
export async function request(node: ClusterNode, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${node.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : null };
}

export async function login(node: ClusterNode, email: string, password: string): Promise<string> {
  const res = await fetch(`${node.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** The `seq` of every seed 002 event a client got for a session, in arrival order (snapshots have none). */
export function seqsOf(watcher: RecordingSocket, sessionId: string): number[] {
  return watcher.received.filter((r) => r.event.startsWith('session.') && r.data?.sessionId === sessionId && typeof r.data.seq === 'number').map((r) => r.data.seq as number);
}

/** Polls `probe` (a database read) until it answers something defined. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
