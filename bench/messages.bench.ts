/**
 * Messages on a real PostgreSQL (TEST_DATABASE_URL or a private server), the app in sandbox mode:
 *  - inbound: S sessions (default 1) paired with the simulator, which runs in a child process as
 *    the contacts' phones are elsewhere in reality; C contacts per session (default 20) send I texts
 *    in all (default 2,000) at once. Each is encrypted by the contact, decrypted by the session's
 *    real Baileys, stored by the app (messages.upsert through the ConversationStore) and fanned out
 *    over Socket.io: messages/s from the first send to the last `session.messages.upsert` received
 *    by a Socket.io client, and this process's CPU per message.
 *  - the store alone: L live messages (default 5,000) through ConversationStore.storeMessages
 *    ('notify'), one message per transaction as Baileys hands them over, 10 sessions at once;
 *  - history ingest: N messages (default 100,000) through the app's ConversationStore in the
 *    slices the Baileys wiring uses (1,000 per transaction) → time, messages/s, peak RSS;
 *  - reads: a chat holding M messages (default 1,000,000, bulk-inserted, raw protos of 160 B and
 *    every 20th of 16 KB as with a thumbnail) paged by HTTP with
 *    `GET /chats/:jid/messages?limit=50&cursor=…` at random depths → p50/p90/p99 latency, and the
 *    plan PostgreSQL chose for the page query (EXPLAIN ANALYZE).
 *
 *   npm run bench:messages -- [--inbound 2000] [--sessions 1] [--contacts 20] [--store-inbound 5000] [--history 100000] [--stored 1000000] [--requests 500]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { io } from 'socket.io-client';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { round, summarize } from './support/stats.js';
import { SimulatorProcess } from './support/simulator-process.js';
import { SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../src/simulator/certificates.js';
import { isPostgres, msSince, snapshot } from './support/process-cpu.js';

const { values } = parseArgs({
  options: {
    inbound: { type: 'string', default: '2000' },
    sessions: { type: 'string', default: '1' },
    contacts: { type: 'string', default: '20' },
    'store-inbound': { type: 'string', default: '5000' },
    history: { type: 'string', default: '100000' },
    stored: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '500' },
  },
});
const INBOUND = Number(values.inbound);
const SESSIONS = Number(values.sessions);
const CONTACTS = Number(values.contacts);
const STORE_INBOUND = Number(values['store-inbound']);
const HISTORY = Number(values.history);
const STORED = Number(values.stored);
const REQUESTS = Number(values.requests);

async function main(): Promise<void> {
  const database = await openBenchDatabase('bench_messages');
  const sim = INBOUND > 0 ? await SimulatorProcess.start() : null;
  const { createApp, loadConfig, createRootLogger, DomainEvents } = await loadAppModules();
  const { ConversationStore } = await import('../src/chats/conversation-store.service.js');
  const { MESSAGE_PAGE_AFTER_SQL } = await import('../src/chats/chat-queries.js');
  const { DataSource } = await import('typeorm');
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production', SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-00', PORT: '0', DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...(sim ? { WA_SERVER_URL: sim.url, WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX } : {}), ADMIN_EMAIL: 'bench@example.com', MAX_SESSIONS_PER_TENANT: String(SESSIONS + 10), ADMIN_PASSWORD: 'Bench-Password-123!',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(process.env.DATABASE_PREPARED_STATEMENTS ? { DATABASE_PREPARED_STATEMENTS: process.env.DATABASE_PREPARED_STATEMENTS } : {}),
  });
  const { app } = await createApp(config, createRootLogger(config.logLevel));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const login = (await (await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'Bench-Password-123!' }) })).json()) as { accessToken: string; user: { tenantId: string } };
  const token: string = login.accessToken;
  const tenantId: string = login.user.tenantId;
  const db = app.get(DataSource);
  const inbound = sim ? await measureInbound(base, token, app.get(DomainEvents), sim) : null;
  const sessionId = randomUUID();
  await db.query(`INSERT INTO wa_sessions (id, tenant_id, status) VALUES ($1, $2, 'connected')`, [sessionId, tenantId]);
  const store = app.get(ConversationStore);
  const ctx = { sessionId, tenantId, sessionPhone: () => '5491100000000' };

  // --- history ingest ---
  const chats = 100;
  const raw = Buffer.alloc(120, 1);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  for (let start = 0; start < HISTORY; start += 1000) {
    const messages = [];
    for (let i = start; i < Math.min(HISTORY, start + 1000); i++) {
      const chat = i % chats;
      messages.push({
        id: `H${i.toString(16).padStart(10, '0')}`, remoteJid: `549110${String(chat).padStart(7, '0')}@s.whatsapp.net`, remoteJidAlt: null, fromMe: i % 2 === 1,
        senderJid: null, senderPhone: null, pushName: 'Bench', timestamp: 1_700_000_000 + i, type: 'conversation', kind: 'text', text: `history message ${i}`,
        status: null, quotedId: null, forwarded: false, isStub: false, media: null, reaction: null, isProtocol: false, raw,
      });
    }
    await store.storeHistory(ctx, { syncType: 'RECENT', progress: Math.round((start / HISTORY) * 100), isLatest: false, lastSlice: true, chats: [], contacts: [], messages, mappings: [] });
  }
  const ingestMs = performance.now() - t0;
  clearInterval(sampler);

  // --- live messages.upsert through the store alone: one message per transaction, as Baileys hands them over ---
  const storeSessions = Array.from({ length: 10 }, () => randomUUID());
  for (const id of storeSessions) await db.query(`INSERT INTO wa_sessions (id, tenant_id, status) VALUES ($1, $2, 'connected')`, [id, tenantId]);
  const perSession = Math.ceil(STORE_INBOUND / storeSessions.length);
  const t2 = performance.now();
  await Promise.all(storeSessions.map(async (sid, s) => {
    const sctx = { sessionId: sid, tenantId, sessionPhone: () => '5491100000000' };
    for (let i = 0; i < perSession; i++) {
      const from = `5491120${String(s).padStart(2, '0')}${String(i % 20).padStart(4, '0')}@s.whatsapp.net`;
      await store.storeMessages(sctx, 'notify', [{
        id: `L${s}x${i}`, remoteJid: from, remoteJidAlt: null, fromMe: false, senderJid: from, senderPhone: from.split('@')[0]!, pushName: 'Bench',
        timestamp: 1_700_000_000 + i, type: 'conversation', kind: 'text', text: `live message ${i}`, status: null, quotedId: null, forwarded: false,
        isStub: false, media: null, reaction: null, isProtocol: false, raw,
      }], null);
    }
  }));
  const storeMs = performance.now() - t2;
  const storeInbound = { messages: perSession * storeSessions.length, sessions: storeSessions.length, messagesPerTransaction: 1, ms: round(storeMs), messagesPerSecond: round((perSession * storeSessions.length) / (storeMs / 1000)) };

  const reads = STORED > 0 ? await measureReads() : null;
  console.log(JSON.stringify({
    database: database.kind,
    preparedStatements: config.database.preparedStatements,
    historyIngest: { messages: HISTORY, chats, ms: round(ingestMs), messagesPerSecond: round(HISTORY / (ingestMs / 1000)), peakRssMb: round(peak / 2 ** 20), rssBeforeMb: round(rssBefore / 2 ** 20) },
    storeInbound,
    reads,
    inbound,
  }, null, 2));
  await app.close();
  await sim?.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
  // The session's Baileys socket can keep the loop alive for a while after close: exit now.
  process.exit(0);

  // --- 1,000,000 messages in one chat, then paged reads ---
  async function measureReads(): Promise<Record<string, unknown>> {
    const [chat] = await db.query(`INSERT INTO wa_chats (session_id, tenant_id, jid, pn_jid) VALUES ($1, $2, '5491199999999@s.whatsapp.net', '5491199999999@s.whatsapp.net') RETURNING id`, [sessionId, tenantId]);
    await db.query(`INSERT INTO wa_chat_aliases (session_id, jid, chat_id) VALUES ($1, '5491199999999@s.whatsapp.net', $2)`, [sessionId, chat.id]);
    const t1 = performance.now();
    for (let start = 0; start < STORED; start += 100_000) {
      await db.query(
        `INSERT INTO wa_messages (session_id, tenant_id, chat_id, wa_id, remote_jid, from_me, ts, type, kind, text, raw)
         SELECT $1, $2, $3, 'B' || g, '5491199999999@s.whatsapp.net', g % 2 = 0, 1700000000 + g / 3, 'conversation', 'text', 'stored message ' || g,
                decode(repeat(md5(g::text), CASE WHEN g % 20 = 0 THEN 512 ELSE 5 END), 'hex')
           FROM generate_series($4::int, $5::int) AS g`,
        [sessionId, tenantId, chat.id, start, Math.min(STORED, start + 100_000) - 1],
      );
    }
    await db.query('ANALYZE wa_messages');
    const loadMs = performance.now() - t1;
    const path = `${base}/chats/5491199999999/messages?sessionId=${sessionId}&limit=50`;
    const headers = { authorization: `Bearer ${token}` };
    const first = (await (await fetch(path, { headers })).json()) as { data?: unknown[] };
    if (first.data?.length !== 50) throw new Error(`unexpected page: ${JSON.stringify(first).slice(0, 300)}`);
    const [{ id: midId, ts: midTs }] = await db.query(`SELECT id, ts FROM wa_messages WHERE chat_id = $1 ORDER BY ts, id OFFSET $2 LIMIT 1`, [chat.id, Math.floor(STORED / 2)]);
    const [explained] = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${MESSAGE_PAGE_AFTER_SQL}`, [chat.id, sessionId, 51, midTs, midId]);
    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const depth = Math.floor(Math.random() * STORED);
      const cursor = Buffer.from(JSON.stringify([1_700_000_000 + Math.floor(depth / 3), String(depth)])).toString('base64url');
      const s = performance.now();
      const res = await fetch(`${path}&cursor=${cursor}`, { headers });
      await res.arrayBuffer();
      latencies.push(performance.now() - s);
      if (res.status !== 200) throw new Error(`GET answered ${res.status}`);
    }
    return { storedInChat: STORED, bulkLoadMs: round(loadMs), requests: REQUESTS, pageSize: 50, latencyMs: summarize(latencies), pageQueryPlan: planOf(explained['QUERY PLAN'][0]) };
  }
}

type Envelope = { sessionId: string; payload: { qrText?: string; messages?: Array<{ text: string | null }> } };
type Bus = { onCommit(type: 'session.qr.updated' | 'session.status.connected' | 'session.messages.upsert', fn: (e: Envelope) => void): () => void };

/** Pairs S sessions with the simulator, then C contacts per session send I texts in all, at once; see the header. */
async function measureInbound(base: string, token: string, events: Bus, sim: SimulatorProcess): Promise<Record<string, unknown>> {
  const http = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  // Every session's first QR, kept from the start (it may commit before its POST answers).
  const firstQrs = new Map<string, string>();
  const qrWaiters = new Map<string, (qr: string) => void>();
  const offQr = events.onCommit('session.qr.updated', (e) => {
    if (firstQrs.has(e.sessionId)) return;
    firstQrs.set(e.sessionId, e.payload.qrText ?? '');
    qrWaiters.get(e.sessionId)?.(e.payload.qrText ?? '');
  });
  const firstQr = (id: string): Promise<string> => new Promise((resolve) => (firstQrs.has(id) ? resolve(firstQrs.get(id)!) : qrWaiters.set(id, resolve)));
  const connected = (id: string): Promise<void> => new Promise((resolve) => {
    const off = events.onCommit('session.status.connected', (e) => {
      if (e.sessionId !== id) return;
      off();
      resolve();
    });
  });
  const phones: string[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    const id = String((await http('POST', '/sessions')).id);
    const phone = `54911000555${String(s).padStart(2, '0')}`;
    const opened = connected(id);
    await sim.scan(await firstQr(id), phone);
    await opened;
    phones.push(phone);
  }
  offQr();

  const socket = io(`${base}/sessions`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
  await new Promise<void>((resolve, reject) => { socket.once('session.snapshot', () => resolve()); socket.once('connect_error', reject); });
  let seen = 0;
  let done: () => void = () => undefined;
  const allSeen = new Promise<void>((resolve) => (done = resolve));
  socket.on('session.messages.upsert', (e: { payload: { messages: Array<{ text: string | null }> } }) => {
    seen += e.payload.messages.filter((m) => m.text?.startsWith('inbound ')).length;
    if (seen >= INBOUND) done();
  });
  const senders = phones.flatMap((to, s) => Array.from({ length: CONTACTS }, (_, i) => ({ to, from: `5491170${String(s).padStart(2, '0')}${String(i).padStart(4, '0')}` })));
  // Each contact's first message sets up its Signal session: not part of the measure.
  let warm = 0;
  let allWarm: () => void = () => undefined;
  const warmed = new Promise<void>((resolve) => (allWarm = resolve));
  const offWarm = events.onCommit('session.messages.upsert', (e) => {
    warm += (e.payload.messages ?? []).filter((m) => m.text === 'warm up').length;
    if (warm >= senders.length) allWarm();
  });
  await sim.send(senders.map((sender) => ({ ...sender, texts: ['warm up'] })));
  await warmed;
  offWarm();
  const texts = senders.map((_, k) => Array.from({ length: Math.ceil((INBOUND - k) / senders.length) }, (__, j) => `inbound ${k + j * senders.length}`));
  const isSimulator = (commandLine: string): boolean => commandLine.includes('simulator-child');
  const simCpu0 = snapshot(isSimulator);
  const pgCpu0 = snapshot(isPostgres);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sim.send(senders.map((sender, k) => ({ ...sender, texts: texts[k]! })));
  const sentMs = performance.now() - t0;
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 180_000).unref());
  const complete = await Promise.race([allSeen.then(() => true), timeout]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const perMessage = (cpuMs: number): number => round(cpuMs / Math.max(1, seen));
  const otherCpuMsPerMessage = { simulator: perMessage(msSince(simCpu0, isSimulator)), postgres: perMessage(msSince(pgCpu0, isPostgres)) };
  socket.disconnect();
  return {
    sessions: SESSIONS, contactsPerSession: CONTACTS, messages: INBOUND, receivedOverSocketIo: seen, complete, sendMs: round(sentMs), ms: round(ms),
    messagesPerSecond: round(seen / (ms / 1000)), processCpuMsPerMessage: perMessage((cpu.user + cpu.system) / 1000), otherCpuMsPerMessage,
  };
}

interface PlanNode { 'Node Type': string; 'Index Name'?: string; 'Scan Direction'?: string; 'Actual Rows'?: number; Plans?: PlanNode[] }
function planOf(explained: { Plan: PlanNode; 'Execution Time': number }): Record<string, unknown> {
  const nodes: string[] = [];
  const walk = (n: PlanNode): void => {
    nodes.push([n['Node Type'], n['Scan Direction'], n['Index Name'], `rows=${n['Actual Rows']}`].filter(Boolean).join(' '));
    n.Plans?.forEach(walk);
  };
  walk(explained.Plan);
  return { nodes, executionMs: explained['Execution Time'] };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
