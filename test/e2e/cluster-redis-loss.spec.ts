/**
 * Cluster mode when one node loses Redis: two nodes on one PostgreSQL and one redis-server, but
 * node-p reaches Redis through a TCP proxy the test can cut (its connections reset, new ones
 * refused) while node-q keeps its direct connection. A node cut from Redis for longer than the
 * lease TTL says so in its heartbeat, takes no new sessions and hands its paired sessions to the
 * node that still reaches Redis (it stops writing for them); once Redis is back it takes sessions
 * again. When no node reaches Redis, nobody can do better: every session stays where it runs.
 */
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import type { Json } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import {
  login, pollUntil, request, seqsOf, startNode, startRedis, startTcpProxy, type ClusterNode, type RedisServer, type TcpProxy,
} from '../support/cluster-harness.js';
import { connectAuthenticated, type RecordingSocket } from '../support/realtime-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import type { TestApp } from '../support/test-app.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';
const TTL_MS = 8000;
const STEP_MS = 120_000;

describe('cluster mode: a node that loses Redis', () => {
  let db: { url: string; drop: () => Promise<void> };
  let redis: RedisServer;
  let proxy: TcpProxy;
  let sim: WhatsAppSimulator;
  let receiver: CallbackReceiver;
  let pool: pg.Pool;
  let p: ClusterNode;
  let q: ClusterNode;
  let token: string;
  let watcher: RecordingSocket;
  const phones = new Map<string, string>();

  async function owners(): Promise<Map<string, string>> {
    const rows = (await pool.query<{ session_id: string; node_id: string }>('SELECT session_id, node_id FROM session_leases WHERE expires_at > now()')).rows;
    return new Map(rows.map((r) => [r.session_id, r.node_id]));
  }

  async function redisOk(id: string): Promise<{ ok: boolean; beat: number }> {
    const row = (await pool.query<{ redis_ok: boolean; beat: string }>(`SELECT redis_ok, (extract(epoch FROM heartbeat_at) * 1000)::float8 AS beat FROM cluster_nodes WHERE id = $1`, [id])).rows[0]!;
    return { ok: row.redis_ok, beat: Number(row.beat) };
  }

  const connectedAfter = (sessionId: string, after: number) => (e: Json) => e.sessionId === sessionId && Date.parse(e.occurredOn as string) >= after;

  /** Creates a session through `via` (forwarded to the least-loaded eligible node), scans it and waits until it is connected. */
  async function connectedSession(via: ClusterNode): Promise<string> {
    const created = await request(via, 'POST', '/sessions', token, {});
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const qr = await watcher.next('session.qr.updated', (e) => e.sessionId === id, 30_000);
    const phone = `4915200${String(Date.now()).slice(-5)}${phones.size}`;
    phones.set(id, phone);
    await sim.scanQr(qr.payload.qrText as string, { phoneNumber: phone });
    await watcher.next('session.status.connected', connectedAfter(id, 0), 60_000);
    return id;
  }

  async function metric(node: ClusterNode, name: string): Promise<number> {
    const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{node="${node.id}"}`));
    return line ? Number(line.split(' ').at(-1)) : NaN;
  }

  beforeAll(async () => {
    [db, redis, sim, receiver] = await Promise.all([createTestDatabase('cluster_redis'), startRedis(), WhatsAppSimulator.start({ port: 0 }), CallbackReceiver.start()]);
    proxy = await startTcpProxy(Number(new URL(redis.url).port));
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const env = {
      DATABASE_URL: db.url, DATABASE_POOL_SIZE: '6', CLUSTER_LEASE_TTL_MS: String(TTL_MS), JWT_SECRET,
      WA_SERVER_URL: sim.url, BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '200', WA_RESTORE_CONCURRENCY: '5',
    };
    // One after the other: the first one runs the migrations.
    p = await startNode('node-p', { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    q = await startNode('node-q', { ...env, REDIS_URL: redis.url });
    await fetch(`${q.baseUrl}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'redis-loss@example.com', password: 'redis-loss-password-1', name: 'R' }) });
    token = await login(q, 'redis-loss@example.com', 'redis-loss-password-1');
    // On node-q: node-p's events reach it only through Redis.
    watcher = await connectAuthenticated({ baseUrl: q.baseUrl } as TestApp, token);
  }, STEP_MS);

  afterAll(async () => {
    watcher?.close();
    for (const n of [p, q]) n?.child.kill('SIGKILL');
    await Promise.all([p, q].filter(Boolean).map((n) => n.exited));
    await pool?.end();
    await proxy?.close();
    await sim?.stop();
    await receiver?.close();
    await redis?.stop();
    await db?.drop();
  }, STEP_MS);

  it('hands the sessions of a node cut from Redis to the node that reaches it, and gives it no new ones', async () => {
    for (let i = 0; i < 4; i++) await connectedSession(q);
    const before = await owners();
    const onP = [...before.entries()].filter(([, owner]) => owner === 'node-p').map(([id]) => id);
    expect(onP).toHaveLength(2);
    // node-p's events reached the client on node-q through Redis, numbered with nothing missing.
    for (const id of onP) expect(seqsOf(watcher, id)).toEqual(seqsOf(watcher, id).map((_, i) => i + 1));
    const lastSeqs = new Map(onP.map((id) => [id, Math.max(...seqsOf(watcher, id))]));

    const cutAt = Date.now();
    proxy.cut();
    for (const id of onP) await watcher.next('session.status.connected', connectedAfter(id, cutAt), 60_000);
    const after = await owners();
    for (const id of onP) expect(after.get(id)).toBe('node-q');
    expect(sim.concurrentLogins()).toBe(0);
    for (const phone of phones.values()) expect(sim.isConnected(phone)).toBe(true);
    // Not before the grace (one TTL), and well before a dead node's sessions would move (TTL + placement).
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(TTL_MS);
    // node-q numbers on where node-p stopped.
    for (const id of onP) expect((await watcher.next('session.status.connected', connectedAfter(id, cutAt))).seq).toBeGreaterThan(lastSeqs.get(id)!);

    // The callbacks go on through the PostgreSQL outbox: the takeover's "connected" reached the backend, each webhook-id with one body.
    await receiver.waitFor(() => onP.every((id) => receiver.delivered.some((r) => r.body.session_id === id && r.body.status === 'connected' && Date.parse(r.body.timestamp as string) >= cutAt)), 20_000, 'connected callbacks after the hand-over');
    const bodies = new Map<string, string>();
    for (const r of receiver.delivered) {
      const webhookId = r.headers['webhook-id'] as string;
      expect(bodies.get(webhookId) ?? r.raw).toBe(r.raw);
      bodies.set(webhookId, r.raw);
    }

    expect(await redisOk('node-p')).toMatchObject({ ok: false });
    expect(await metric(p, 'wa_cluster_redis_up')).toBe(0);
    expect(await metric(p, 'wa_cluster_redis_handovers_total')).toBe(2);
    expect(await metric(p, 'wa_cluster_leases_held')).toBe(0);

    // A new session asked of node-p goes to node-q, the one that reaches Redis.
    const created = await request(p, 'POST', '/sessions', token, {});
    expect(created.status).toBe(201);
    expect((await owners()).get(created.body.id as string)).toBe('node-q');
  }, STEP_MS);

  it('takes sessions again once Redis is back', async () => {
    proxy.restore();
    await pollUntil(async () => ((await redisOk('node-p')).ok ? true : undefined), 'node-p to report Redis again', 30_000);
    expect(await metric(p, 'wa_cluster_redis_up')).toBe(1);
    // The least-loaded node (node-p, which holds nothing) gets the next one, and its events reach node-q again.
    const id = await connectedSession(q);
    expect((await owners()).get(id)).toBe('node-p');
    expect(seqsOf(watcher, id)).toEqual(seqsOf(watcher, id).map((_, i) => i + 1));
  }, STEP_MS);

  it('keeps every session where it runs when no node reaches Redis', async () => {
    /** Owners of the connected sessions (the unscanned one above may expire meanwhile). */
    const connectedOwners = async () => {
      const all = await owners();
      return new Map([...phones.keys()].map((id) => [id, all.get(id)]));
    };
    const before = await connectedOwners();
    expect([...before.values()]).toContain('node-p');
    await redis.stop();
    // Both heartbeats say "no Redis", then node-p beats twice more (a hand-over would have happened by then).
    const both = await pollUntil(async () => {
      const [a, b] = [await redisOk('node-p'), await redisOk('node-q')];
      return !a.ok && !b.ok ? a.beat : undefined;
    }, 'both nodes to report Redis lost', 40_000);
    await pollUntil(async () => ((await redisOk('node-p')).beat > both + (TTL_MS / 3) * 1.5 ? true : undefined), 'two more heartbeats of node-p', 30_000);
    expect(await connectedOwners()).toEqual(before);
    for (const phone of phones.values()) expect(sim.isConnected(phone)).toBe(true);
    expect(sim.concurrentLogins()).toBe(0);
    expect(await metric(p, 'wa_cluster_redis_handovers_total')).toBe(2);
  }, STEP_MS);
});
