/**
 * Cluster mode end to end: three nodes (child processes) on one PostgreSQL, one redis-server and
 * one WhatsApp Web simulator (WA_SERVER_URL: every node's Baileys connects to it, so the simulator
 * sees every login). Sessions spread over the nodes; a kill -9 of a node moves its sessions to the
 * survivors with no account ever logged in twice at once; a send through a node that does not own
 * the session reaches the contact; a Socket.io client on another node sees every status change;
 * SIGTERM hands sessions over; a node whose lease is taken stops using that session; a paced send queue
 * goes on from the node that takes its session over. Every event
 * the client gets carries its session's sequence number: 1, 2, 3… and still growing after a takeover.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import WebSocket from 'ws';
import { EventSource } from 'eventsource';
import { io } from 'socket.io-client';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import type { Json } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { login, pollUntil, request, seqsOf, startNode, startRedis, type ClusterNode, type RedisServer } from '../support/cluster-harness.js';
import { connectAuthenticated, RecordingSocket } from '../support/realtime-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import type { TestApp } from '../support/test-app.js';
import { Recording, Waitable } from '../support/waitable.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';
const TTL_MS = 10_000;
const SESSIONS = 30;
const PER_NODE = SESSIONS / 3;
const ADMIN = { email: 'cluster-admin@example.com', password: 'cluster-admin-password-1' };

const STEP_MS = 120_000;

/** A plain /ws/sessions client that keeps every frame. */
class WsFrames extends Waitable {
  readonly frames: Json[] = [];
  constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Json);
      this.wake();
    });
  }
  next(predicate: (f: Json) => boolean, what: string, timeoutMs = 20_000): Promise<Json> {
    return this.until(() => this.frames.find(predicate), what, timeoutMs);
  }
  protected describeReceived(): string {
    return JSON.stringify(this.frames.map((f) => f.type));
  }
}

describe('cluster mode: three nodes, one PostgreSQL, one Redis', () => {
  let db: { url: string; drop: () => Promise<void> };
  let redis: RedisServer;
  let sim: WhatsAppSimulator;
  let receiver: CallbackReceiver;
  let pool: pg.Pool;
  const nodes = new Map<string, ClusterNode>();
  let token: string;
  let adminToken: string;
  let watcher: RecordingSocket;
  const phones = new Map<string, string>();

  /** Session id → owning node id, from the lease table (unexpired leases only). */
  async function owners(): Promise<Map<string, string>> {
    const rows = (await pool.query<{ session_id: string; node_id: string }>('SELECT session_id, node_id FROM session_leases WHERE expires_at > now()')).rows;
    return new Map(rows.map((r) => [r.session_id, r.node_id]));
  }

  async function adapterBroadcasts(): Promise<string[]> {
    const client = new Redis(redis.url);
    try {
      const entries = await client.xrange('wa:socket.io', '-', '+');
      return entries.map(([, fields]) => Object.fromEntries(chunks(fields))).filter((f) => f.type === '3').map((f) => String(f.data));
    } finally {
      client.disconnect();
    }
  }

  function node(id: string): ClusterNode {
    return nodes.get(id)!;
  }

  beforeAll(async () => {
    [db, redis, sim, receiver] = await Promise.all([createTestDatabase('cluster'), startRedis(), WhatsAppSimulator.start({ port: 0 }), CallbackReceiver.start()]);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const env = {
      DATABASE_URL: db.url, DATABASE_POOL_SIZE: '6', REDIS_URL: redis.url, CLUSTER_LEASE_TTL_MS: String(TTL_MS), JWT_SECRET,
      WA_SERVER_URL: sim.url, BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '100', WA_RESTORE_CONCURRENCY: '5',
      ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password,
    };
    // One after the other: the first one runs the migrations and creates the admin.
    for (const id of ['node-a', 'node-b', 'node-c']) nodes.set(id, await startNode(id, env));
    const a = node('node-a');
    await fetch(`${a.baseUrl}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cluster@example.com', password: 'cluster-password-1', name: 'Cluster' }) });
    token = await login(a, 'cluster@example.com', 'cluster-password-1');
    adminToken = await login(a, ADMIN.email, ADMIN.password);
    // A Socket.io client on node-c: it must see the sessions every node runs.
    watcher = await connectAuthenticated({ baseUrl: node('node-c').baseUrl } as TestApp, token);
  }, STEP_MS);

  afterAll(async () => {
    watcher?.close();
    for (const n of nodes.values()) n.child.kill('SIGKILL');
    await Promise.all([...nodes.values()].map((n) => n.exited));
    await pool?.end();
    await sim?.stop();
    await receiver?.close();
    await redis?.stop();
    await db?.drop();
  }, STEP_MS);

  /** The tenant room's `session.status.connected` envelope for a session, committed at or after `after`. */
  const connectedSeen = (sessionId: string, after = 0) => (e: Json) => e.sessionId === sessionId && Date.parse(e.occurredOn as string) >= after;

  it('spreads new sessions over the nodes and connects them, seen from a Socket.io client on another node', async () => {
    const ids: string[] = [];
    // Every request goes to node-a: POST /sessions is forwarded to the least-loaded node.
    for (let i = 0; i < SESSIONS; i++) {
      const created = await request(node('node-a'), 'POST', '/sessions', token, {});
      expect(created.status).toBe(201);
      ids.push(created.body.id as string);
    }
    const byNode = new Map<string, number>();
    for (const owner of (await owners()).values()) byNode.set(owner, (byNode.get(owner) ?? 0) + 1);
    expect([...byNode.entries()].sort()).toEqual([['node-a', PER_NODE], ['node-b', PER_NODE], ['node-c', PER_NODE]]);

    for (const [i, id] of ids.entries()) {
      const qr = await watcher.next('session.qr.updated', (e) => e.sessionId === id);
      const phone = `4915100${String(Date.now()).slice(-5)}${i}`;
      phones.set(id, phone);
      await sim.scanQr(qr.payload.qrText as string, { phoneNumber: phone });
    }
    for (const id of ids) await watcher.next('session.status.connected', connectedSeen(id), 60_000);
    // They reached node-c's rooms through Socket.io's Redis Streams adapter: its stream holds each
    // node's room emits (broadcasts, type 3), one per session connected, whichever node owns it.
    const streamed = await adapterBroadcasts();
    for (const id of ids) expect(streamed.some((d) => d.includes('"session.status.connected"') && d.includes(`"sessionId":"${id}"`))).toBe(true);
    // Every session's events, from whichever node, numbered 1, 2, 3… with nothing missing.
    for (const id of ids) {
      const seqs = seqsOf(watcher, id);
      expect(seqs.length).toBeGreaterThanOrEqual(3);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }

    const listed = await request(node('node-b'), 'GET', '/cluster/nodes', adminToken);
    expect(listed.status).toBe(200);
    expect(listed.body.data.answeredBy).toBe('node-b');
    const live = (listed.body.data.nodes as Json[]).filter((n) => n.live);
    expect(live.map((n) => [n.id, n.sessions.length])).toEqual([['node-a', PER_NODE], ['node-b', PER_NODE], ['node-c', PER_NODE]]);
    for (const n of live) for (const s of n.sessions as Json[]) expect(s.expiresInMs).toBeGreaterThan(0);
    expect((await request(node('node-b'), 'GET', '/cluster/nodes', token)).status).toBe(403);
  }, STEP_MS);

  it('sends through a node that does not own the session and answers the WhatsApp message id', async () => {
    const [sessionId] = [...(await owners()).entries()].find(([, owner]) => owner === 'node-a')!;
    // A plain WebSocket client on node-c: its snapshot says where the session's numbers stand.
    const ws = new WsFrames(new WebSocket(`${node('node-c').baseUrl.replace(/^http/, 'ws')}/ws/sessions?accessToken=${encodeURIComponent(token)}`));
    const snapshot = await ws.next((f) => f.type === 'session.snapshot' && f.sessionId === sessionId, 'the snapshot');
    expect(snapshot.seq).toBe(Math.max(...seqsOf(watcher, sessionId)));
    const sent = await request(node('node-b'), 'POST', `/sessions/${sessionId}/send-message`, token, { number: '4917000000001', message: 'through node-b' });
    expect(sent.status).toBe(200);
    const messageId = sent.body.data.messageId as string;
    const delivered = await sim.waitForSentMessage((m) => m.id === messageId);
    expect(delivered.text).toBe('through node-b');
    // node-a's events for it reach the client on node-c numbered on from the snapshot.
    await ws.next((f) => f.type === 'session.messages.upsert' && f.sessionId === sessionId, 'the sent message');
    const live = ws.frames.filter((f) => f.type !== 'session.snapshot' && f.sessionId === sessionId).map((f) => f.seq as number);
    expect(live).toEqual(live.map((_, i) => (snapshot.seq as number) + 1 + i));
    ws.ws.close();
    const metrics = await (await fetch(`${node('node-b').baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/wa_cluster_forwarded_requests_total\{node="node-b",outcome="ok"\} [1-9]/);

    // A request forwarded to a node that does not own the session is refused with 421, in the error shape.
    const misdirected = await fetch(`${node('node-c').baseUrl}/sessions/${sessionId}/send-message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-wa-forwarded-by': 'node-b' },
      body: JSON.stringify({ number: '4917000000001', message: 'misdirected' }),
    });
    expect(misdirected.status).toBe(421);
    expect(await misdirected.json()).toMatchObject({ success: false, error: { code: 'MISDIRECTED_REQUEST' } });
  }, STEP_MS);

  it("lets Socket.io clients join on another node while a session's events flow: none misses a number after its snapshot", async () => {
    const [sessionId] = [...(await owners()).entries()].find(([, owner]) => owner === 'node-a')!;
    const contact = sim.contact('4917100000077');
    const upsertOf = (text: string) => (e: Json) => e.sessionId === sessionId && (e.payload as { messages: Json[] }).messages.some((m) => m.text === text);
    // node-a commits a message event after another, each once the previous one reached node-c.
    const flow = (async () => {
      for (let i = 0; i < 40; i++) {
        await contact.sendText(phones.get(sessionId)!, `flow ${i}`);
        await watcher.next('session.messages.upsert', upsertOf(`flow ${i}`), 30_000);
      }
    })();
    const joined: RecordingSocket[] = [];
    // Each snapshot is read on node-c while node-a's events arrive through the adapter's stream.
    for (let i = 0; i < 8; i++) joined.push(await connectAuthenticated({ baseUrl: node('node-c').baseUrl } as TestApp, token));
    await flow;
    await contact.sendText(phones.get(sessionId)!, 'flow end');
    const last = (await watcher.next('session.messages.upsert', upsertOf('flow end'), 30_000)).seq as number;
    for (const client of joined) {
      await client.next('session.messages.upsert', upsertOf('flow end'), 30_000);
      const [snapshot, ...live] = seqsOf(client, sessionId);
      const expected = Array.from({ length: last - snapshot! }, (_, i) => snapshot! + 1 + i);
      expect([...new Set(live.filter((n) => n > snapshot!))].sort((x, y) => x - y)).toEqual(expected);
      client.close();
    }
  }, STEP_MS);

  it('sends on /chats without sessionId through a non-owner node: the tenant\'s only session is implied', async () => {
    await fetch(`${node('node-b').baseUrl}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'solo@example.com', password: 'solo-password-1', name: 'Solo' }) });
    const solo = await login(node('node-b'), 'solo@example.com', 'solo-password-1');
    const created = await request(node('node-a'), 'POST', '/sessions', solo, {});
    expect(created.status).toBe(201);
    const sessionId = created.body.id as string;
    const qrText = await pollUntil(async () => {
      const qr = await request(node('node-c'), 'GET', `/sessions/${sessionId}/qr`, solo);
      return qr.status === 200 && qr.body.qrText ? (qr.body.qrText as string) : undefined;
    }, 'the solo session\'s QR', 20_000);
    await sim.scanQr(qrText, { phoneNumber: `4915200${String(Date.now()).slice(-6)}` });
    await pollUntil(async () => ((await request(node('node-c'), 'GET', `/sessions/${sessionId}`, solo)).body?.data?.status === 'connected' ? true : undefined), 'the solo session connected', 30_000);
    const owner = (await owners()).get(sessionId)!;
    const other = [...nodes.keys()].find((id) => id !== owner)!;

    // No sessionId: the non-owner authenticates the caller, picks its only session and forwards.
    const sent = await request(node(other), 'POST', '/chats/4917000000005/messages', solo, { content: 'implied through a non-owner' });
    expect(sent.status).toBe(201);
    const messageId = sent.body.id as string;
    expect(messageId).toEqual(expect.any(String));
    const delivered = await sim.waitForSentMessage((m) => m.id === messageId);
    expect(delivered.text).toBe('implied through a non-owner');
    // A tenant with several sessions gets the single-node answer, from whichever node.
    const ambiguous = await request(node(other), 'POST', '/chats/4917000000005/messages', token, { content: 'which session?' });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.code).toBe('SESSION_REQUIRED');

    // Gone again, so that the tests below count the 30 sessions only.
    const deleted = await request(node(other), 'DELETE', `/sessions/${sessionId}`, solo);
    expect(deleted.status).toBeLessThan(300);
    await pollUntil(async () => ((await owners()).has(sessionId) ? undefined : true), 'the solo session\'s lease gone', 20_000);
    expect(sim.concurrentLogins()).toBe(0);
  }, STEP_MS);

  it("onboards over SSE (seed 000's native EventSource) on any node, seen by seed 004's client on another: the session stays on the node its client streams from", async () => {
    // What the seed 000 EventSource client received (its `onmessage` data, in order).
    const messages = new Recording<Json>((m) => JSON.stringify(m.map((x) => x.connection ?? (x.qr ? 'qr' : 'id'))), 30_000);
    // Seed 000 option 1, on node-b: node-b creates the session and owns it while its client streams.
    const evtSource = new EventSource(`${node('node-b').baseUrl}/sessions/add-sse?accessToken=${encodeURIComponent(token)}`, { fetch: globalThis.fetch });
    evtSource.onmessage = (event) => messages.push(JSON.parse(event.data) as Json);
    let seed004: RecordingSocket | undefined;
    try {
      const sessionId = (await messages.next((m) => Boolean(m.sessionId) && !m.connection, 'the session id')).sessionId as string;
      await messages.next((m) => Boolean(m.qr), 'a QR');
      expect((await owners()).get(sessionId)).toBe('node-b');
      // Seed 004's client on node-c: `io(url)`, authenticate, subscribe-session; the session room spans the nodes.
      seed004 = new RecordingSocket(io(node('node-c').baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true }));
      seed004.socket.emit('authenticate', { token });
      expect(await seed004.next('authenticated')).toMatchObject({ success: true });
      seed004.socket.emit('subscribe-session', { instance_id: sessionId });
      await seed004.next('qr-code', (q) => q.instance_id === sessionId);
      // The stream carries the QR image; its text reaches the Socket.io client on node-c too.
      const qr = await watcher.next('session.qr.updated', (e) => e.sessionId === sessionId);
      const phone = `4915300${String(Date.now()).slice(-5)}`;
      await sim.scanQr(qr.payload.qrText as string, { phoneNumber: phone });
      expect((await messages.next((m) => m.connection === 'open', 'open')).phoneNumber).toBe(phone);
      expect((await owners()).get(sessionId)).toBe('node-b');
      // The Socket.io clients on node-c saw it connect, through the adapter.
      await watcher.next('session.status.connected', connectedSeen(sessionId), 30_000);
      expect(await seed004.next('session-status', (st) => st.instance_id === sessionId && st.status === 'connected', 30_000)).toMatchObject({ phoneNumber: `+${phone}` });
      evtSource.close();
      expect((await request(node('node-a'), 'DELETE', `/sessions/${sessionId}`, token)).status).toBe(200);
    } finally {
      evtSource.close();
      seed004?.close();
    }
  }, STEP_MS);

  it('moves every session of a node killed with SIGKILL to the survivors within 30 s, never logged in twice at once', async () => {
    const before = await owners();
    const victims = [...before.entries()].filter(([, owner]) => owner === 'node-a').map(([id]) => id);
    expect(victims).toHaveLength(PER_NODE);
    // A paced queue on one of its sessions (queued through node-b, forwarded to node-a): what still
    // waits when node-a dies goes out from the new owner, in order, each once.
    const paced = victims[1]!;
    const pacedContact = '4917000000004';
    expect((await request(node('node-b'), 'PATCH', `/sessions/${paced}`, token, { pacing: { minIntervalMs: 400, maxIntervalMs: 400, typing: true } })).status).toBe(200);
    const queued: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(node('node-b'), 'POST', `/sessions/${paced}/messages`, token, { to: pacedContact, text: `failover ${i}` });
      expect(res.status).toBe(202);
      queued.push(res.body.id as string);
    }
    const queueRows = async () => (await pool.query<{ id: string; status: string }>('SELECT id, status FROM send_queue WHERE session_id = $1 ORDER BY seq', [paced])).rows;
    const killedAt = Date.now();
    node('node-a').child.kill('SIGKILL');
    await node('node-a').exited;
    nodes.delete('node-a');
    expect((await queueRows()).filter((r) => r.status !== 'sent').length).toBeGreaterThanOrEqual(3);

    // Until its leases expire, a command for its sessions cannot reach it: 503 with Retry-After, never a hang.
    const unreachable = await request(node('node-b'), 'POST', `/sessions/${victims[0]}/send-message`, token, { number: '4917000000003', message: 'owner is dead' });
    expect(unreachable.status).toBe(503);
    expect(unreachable.body.error.code).toBe('SESSION_OWNER_UNAVAILABLE');

    const lastSeqs = new Map(victims.map((id) => [id, Math.max(...seqsOf(watcher, id))]));
    for (const id of victims) await watcher.next('session.status.connected', connectedSeen(id, killedAt), 30_000);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(30_000);
    // The new owner goes on numbering where the dead one stopped.
    for (const id of victims) {
      const seqs = seqsOf(watcher, id);
      const resumed = (await watcher.next('session.status.connected', connectedSeen(id, killedAt))).seq as number;
      expect(resumed).toBeGreaterThan(lastSeqs.get(id)!);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    const after = await owners();
    for (const id of victims) expect(['node-b', 'node-c']).toContain(after.get(id));

    await pollUntil(async () => ((await queueRows()).every((r) => r.status === 'sent') ? true : undefined), 'the paced queue sent by the new owner', 30_000);
    expect((await queueRows()).map((r) => r.id)).toEqual(queued);
    const copies = sim.sentMessages(phones.get(paced)!).filter((m) => m.toPhoneNumber === pacedContact && m.decryptedBy.includes('contact'));
    expect([...new Set(copies.map((m) => m.id))]).toEqual(queued);
    expect(copies.map((m) => m.text).filter((text, i, all) => all.indexOf(text) === i)).toEqual(queued.map((_, i) => `failover ${i}`));
    expect(sim.concurrentLogins()).toBe(0);

    // Callbacks: the takeover's "connected" reached the backend once per webhook-id, each id with one body.
    await receiver.waitFor(() => victims.every((id) => receiver.delivered.some((r) => r.body.session_id === id && r.body.status === 'connected' && Date.parse(r.body.timestamp as string) >= killedAt)), 20_000, 'connected callbacks after the takeover');
    const bodies = new Map<string, string>();
    for (const r of receiver.delivered) {
      const id = r.headers['webhook-id'] as string;
      expect(bodies.get(id) ?? r.raw).toBe(r.raw);
      bodies.set(id, r.raw);
    }
  }, STEP_MS);

  it('keeps every session connected across a Redis restart, and relays events again after it', async () => {
    const online = () => [...phones.values()].filter((phone) => sim.isConnected(phone)).length;
    const connectedBefore = online();
    expect(connectedBefore).toBe(SESSIONS);
    // No persistence: the restarted server has an empty stream; the readers carry on after their last id.
    await redis.restart();
    expect(online()).toBe(connectedBefore);
    const [sessionId] = [...(await owners()).entries()].find(([, owner]) => owner === 'node-b')!;
    const restartedAt = Date.now();
    // Through node-c (forwarded to node-b); node-b's events reach the watcher on node-c through Redis.
    expect((await request(node('node-c'), 'POST', `/sessions/${sessionId}/restart`, token)).status).toBe(200);
    await watcher.next('session.status.connected', connectedSeen(sessionId, restartedAt), 30_000);
    expect(sim.concurrentLogins()).toBe(0);
  }, STEP_MS);

  it('hands the sessions of a node stopped with SIGTERM over in seconds', async () => {
    const leaving = [...(await owners()).entries()].filter(([, owner]) => owner === 'node-b').map(([id]) => id);
    expect(leaving.length).toBeGreaterThan(0);
    const stoppedAt = Date.now();
    node('node-b').child.kill('SIGTERM');
    // Nest re-raises the signal once it has shut down.
    expect(await node('node-b').exited).toEqual({ code: null, signal: 'SIGTERM' });
    nodes.delete('node-b');
    for (const id of leaving) await watcher.next('session.status.connected', connectedSeen(id, stoppedAt), 15_000);
    // Well under the lease TTL: the leases were released, not left to expire.
    expect(Date.now() - stoppedAt).toBeLessThan(TTL_MS + 4000);
    const after = await owners();
    for (const id of leaving) expect(after.get(id)).toBe('node-c');
    expect(sim.concurrentLogins()).toBe(0);
  }, STEP_MS);

  it('stops using a session whose lease another node took: its socket closes and the node no longer serves it', async () => {
    const sessionId = [...(await owners()).entries()].find(([, owner]) => owner === 'node-c')![0];
    const phone = phones.get(sessionId)!;
    const closed = sim.events.waitFor('closed', (c) => c.phoneNumber === phone, TTL_MS * 2);
    // What a takeover by another node does to the row: a new owner and a higher epoch.
    await pool.query(`UPDATE session_leases SET node_id = 'node-z', epoch = epoch + 1, expires_at = now() + interval '1 hour' WHERE session_id = $1`, [sessionId]);
    await closed;
    const credsAt = (await pool.query<{ t: string }>('SELECT updated_at::text AS t FROM wa_auth_creds WHERE session_id = $1', [sessionId])).rows[0]!.t;
    const sent = await request(node('node-c'), 'POST', `/sessions/${sessionId}/send-message`, token, { number: '4917000000002', message: 'not any more' });
    expect(sent.status).toBe(409);
    expect(sent.body.error.code).toBe('SESSION_NOT_CONNECTED');
    const metrics = await (await fetch(`${node('node-c').baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/wa_cluster_fenced_sessions_total\{node="node-c",cause="lost"\} 1/);
    expect(sim.isConnected(phone)).toBe(false);
    expect((await pool.query<{ t: string }>('SELECT updated_at::text AS t FROM wa_auth_creds WHERE session_id = $1', [sessionId])).rows[0]!.t).toBe(credsAt);
    expect(sim.concurrentLogins()).toBe(0);
  });
});

function chunks(fields: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) out.push([fields[i]!, fields[i + 1]!]);
  return out;
}
