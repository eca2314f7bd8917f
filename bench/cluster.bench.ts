/**
 * Cluster mode: K nodes on one PostgreSQL and one redis-server, N paired sessions spread over
 * them; the node that owns the most is killed with SIGKILL.
 *
 *   npm run bench:cluster -- --sessions 300 [--nodes 3] [--ttl 20000]   (--ttl: CLUSTER_LEASE_TTL_MS)
 *
 * Nodes run as in production (`node dist/main.js`, built first), the simulator in its own process
 * (every node's WA_SERVER_URL), Redis from /usr/bin/redis-server, PostgreSQL private (or
 * TEST_DATABASE_URL). Prints one JSON object:
 * - failover: from the kill to the moment every session of the dead node is connected on a
 *   survivor (lease and `connected_at` in the database), and per-session times;
 * - cross-node event latency: a Socket.io client on the last node records when each
 *   `session.status.connected` arrives, against the event's `occurredOn` (same host clock), for
 *   sessions owned by the other nodes (relayed through Redis) and by its own node;
 * - sessions per node before and after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import PQueue from 'p-queue';
import { io } from 'socket.io-client';
import { summarize } from './support/stats.js';
import { openBenchDatabase } from './support/bench-database.js';
import { SimulatorProcess } from './support/simulator-process.js';
import { SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../src/simulator/certificates.js';
import { postJson } from '../test/support/app-process-runner.js';
import { freePort, startRedis } from '../test/support/cluster-harness.js';

const TIMEOUT_MS = 900_000;
const POLL_MS = 100;

const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
};

interface Node {
  id: string;
  baseUrl: string;
  child: ChildProcess;
}

async function startNode(id: string, env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--liftoff-only', 'dist/main.js'], {
    env: { ...process.env, NODE_OPTIONS: '', ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ID: id, NODE_URL: baseUrl, DATA_DIR: mkdtempSync(join(tmpdir(), `bench-${id}-`)) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until(`${id} listening`, async () => fetch(`${baseUrl}/health`).then((r) => r.ok, () => false));
  return { id, baseUrl, child };
}

const onFailure: Array<() => Promise<void>> = [];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '300' }, nodes: { type: 'string', default: '3' }, ttl: { type: 'string', default: '20000' } }, allowPositionals: true });
  const n = Number(values.sessions);
  const k = Number(values.nodes);
  if (!(n > 0) || !(k >= 2)) throw new Error('--sessions must be positive and --nodes at least 2');

  const database = await openBenchDatabase('bench_cluster');
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  const redis = await startRedis();
  const sim = await SimulatorProcess.start();
  const env = {
    NODE_ENV: 'production', LOG_LEVEL: 'error', DATABASE_URL: database.url!, DATABASE_POOL_SIZE: '10', REDIS_URL: redis.url,
    CLUSTER_LEASE_TTL_MS: values.ttl!, SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: randomUUID() + randomUUID(), WA_SERVER_URL: sim.url, WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX, WA_QR_TIMEOUT_MS: '60000',
    MAX_SESSIONS_PER_TENANT: String(n),
  };
  const nodes: Node[] = [];
  // Whatever happens, no node, simulator or server outlives the benchmark.
  onFailure.push(async () => {
    for (const nd of nodes) if (nd.child.exitCode === null && nd.child.signalCode === null) nd.child.kill('SIGKILL');
    process.kill(sim.pid, 'SIGKILL');
    await redis.stop();
    await db.end();
    await database.close();
  });
  // One after the other: the first runs the migrations.
  for (let i = 0; i < k; i++) nodes.push(await startNode(`node-${i + 1}`, env));
  const entry = nodes[0]!;
  const post = (path: string, body: unknown, token?: string) => postJson(entry.baseUrl, path, body, token);
  await post('/users', { email: 'cluster@example.com', password: 'bench-password-1', name: 'Cluster' });
  const token = (await post('/auth/login', { email: 'cluster@example.com', password: 'bench-password-1' })).accessToken as string;

  // The watcher: a Socket.io client on the last node.
  const watcherNode = nodes[k - 1]!;
  const arrivals = new Map<string, number>();
  const socket = io(`${watcherNode.baseUrl}/sessions`, { transports: ['websocket'], auth: { token }, reconnection: false });
  socket.on('session.status.connected', (e: { sessionId: string; occurredOn: string }) => {
    if (!arrivals.has(e.sessionId)) arrivals.set(e.sessionId, Date.now() - Date.parse(e.occurredOn));
  });
  await new Promise<void>((resolve) => socket.once('session.snapshot', () => resolve()));

  const row = async (id: string) => (await db.query<{ status: string; qr_text: string | null }>('SELECT status, qr_text FROM wa_sessions WHERE id = $1', [id])).rows[0];
  const pairing = new PQueue({ concurrency: 10 });
  const pairStarted = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => pairing.add(async () => {
    const id = (await post('/sessions', {}, token)).id as string;
    let qr: string | null = null;
    await until('QR', async () => Boolean((qr = (await row(id))?.qr_text ?? null)));
    await sim.scan(qr!, `5493${String(100000000 + i)}`);
    await until('connected', async () => (await row(id))?.status === 'connected');
  })));
  const pairedMs = performance.now() - pairStarted;
  await until('every connected event on the watcher', async () => arrivals.size >= n);

  const owners = async () => (await db.query<{ session_id: string; node_id: string }>('SELECT session_id, node_id FROM session_leases WHERE expires_at > now()')).rows;
  const perNode = (rows: Array<{ node_id: string }>) => Object.fromEntries(nodes.map((nd) => [nd.id, rows.filter((r) => r.node_id === nd.id).length]));
  const before = await owners();
  const remote = before.filter((r) => r.node_id !== watcherNode.id).map((r) => arrivals.get(r.session_id)!).filter((v) => v !== undefined);
  const local = before.filter((r) => r.node_id === watcherNode.id).map((r) => arrivals.get(r.session_id)!).filter((v) => v !== undefined);
  await new Promise((r) => setTimeout(r, 5000)); // post-open work (pre-key upload, queries) settles

  // Failover: SIGKILL the node that owns the most sessions (not the watcher's).
  const counts = perNode(before);
  const victim = nodes.filter((nd) => nd !== watcherNode).sort((a, b) => counts[b.id]! - counts[a.id]!)[0]!;
  const moved = before.filter((r) => r.node_id === victim.id).map((r) => r.session_id);
  const killed = new Promise((resolve) => victim.child.once('exit', resolve));
  const killedAt = new Date();
  const t0 = performance.now();
  victim.child.kill('SIGKILL');
  await killed;
  const reconnected = async () =>
    Number((await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM wa_sessions s JOIN session_leases l ON l.session_id = s.id
        WHERE s.id = ANY($1::uuid[]) AND l.node_id <> $2 AND l.expires_at > now() AND s.status = 'connected' AND s.connected_at >= $3`,
      [moved, victim.id, killedAt],
    )).rows[0]!.n);
  await until('every session of the dead node connected elsewhere', async () => (await reconnected()) >= moved.length);
  const failoverMs = performance.now() - t0;
  const perSession = (await db.query<{ ms: number }>('SELECT extract(epoch FROM connected_at - $2::timestamptz) * 1000 AS ms FROM wa_sessions WHERE id = ANY($1::uuid[])', [moved, killedAt])).rows.map((r) => Number(r.ms));
  const after = await owners();

  console.log(JSON.stringify({
    sessions: n,
    nodes: k,
    leaseTtlMs: Number(values.ttl),
    database: database.kind,
    pairingMs: Math.round(pairedMs),
    sessionsPerNode: { before: counts, after: perNode(after) },
    failover: { killed: victim.id, sessions: moved.length, allConnectedElsewhereMs: Math.round(failoverMs), perSessionMs: summarize(perSession), target: 30_000 },
    crossNodeEventLatencyMs: { viaRedis: { count: remote.length, ...summarize(remote) }, sameNode: { count: local.length, ...summarize(local) } },
  }, null, 2));

  socket.close();
  for (const nd of nodes) if (nd !== victim) nd.child.kill('SIGTERM');
  await Promise.all(nodes.filter((nd) => nd !== victim).map((nd) => new Promise((resolve) => (nd.child.exitCode !== null ? resolve(null) : nd.child.once('exit', resolve)))));
  await sim.stop();
  await redis.stop();
  await db.end();
  await database.close();
}

await main().catch(async (err: unknown) => {
  console.error(err);
  for (const clean of onFailure) await clean().catch(() => undefined);
  process.exit(1);
});
