/**
 * Messages storage on a real PostgreSQL (TEST_DATABASE_URL or a private server):
 *  - history ingest: N messages (default 100,000) through the app's ConversationStore in the
 *    slices the Baileys wiring uses (1,000 per transaction) → time, messages/s, peak RSS;
 *  - reads: a chat holding M messages (default 1,000,000, bulk-inserted) paged by HTTP with
 *    `GET /chats/:jid/messages?limit=50&cursor=…` at random depths → p50/p90/p99 latency.
 * Not measured here: inbound messages end to end through Baileys and the simulator.
 *
 *   npm run bench:messages -- [--history 100000] [--stored 1000000] [--requests 500]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { round, summarize } from './support/stats.js';

const { values } = parseArgs({
  options: {
    history: { type: 'string', default: '100000' },
    stored: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '500' },
  },
});
const HISTORY = Number(values.history);
const STORED = Number(values.stored);
const REQUESTS = Number(values.requests);

async function main(): Promise<void> {
  const database = await openBenchDatabase('bench_messages');
  const { createApp, loadConfig, createRootLogger } = await loadAppModules();
  const { ConversationStore } = await import('../src/chats/conversation-store.service.js');
  const { DataSource } = await import('typeorm');
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-00', PORT: '0', DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ADMIN_EMAIL: 'bench@example.com', ADMIN_PASSWORD: 'Bench-Password-123!',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  });
  const { app } = await createApp(config, createRootLogger(config.logLevel));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const login = (await (await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'Bench-Password-123!' }) })).json()) as { accessToken: string; user: { tenantId: string } };
  const token: string = login.accessToken;
  const tenantId: string = login.user.tenantId;
  const db = app.get(DataSource);
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
    await store.storeHistory(ctx, { syncType: 'RECENT', progress: Math.round((start / HISTORY) * 100), isLatest: false, chats: [], contacts: [], messages, mappings: [] });
  }
  const ingestMs = performance.now() - t0;
  clearInterval(sampler);

  // --- 1,000,000 messages in one chat, then paged reads ---
  const [chat] = await db.query(`INSERT INTO wa_chats (session_id, tenant_id, jid, pn_jid) VALUES ($1, $2, '5491199999999@s.whatsapp.net', '5491199999999@s.whatsapp.net') RETURNING id`, [sessionId, tenantId]);
  await db.query(`INSERT INTO wa_chat_aliases (session_id, jid, chat_id) VALUES ($1, '5491199999999@s.whatsapp.net', $2)`, [sessionId, chat.id]);
  const t1 = performance.now();
  for (let start = 0; start < STORED; start += 100_000) {
    await db.query(
      `INSERT INTO wa_messages (session_id, tenant_id, chat_id, wa_id, remote_jid, from_me, ts, type, kind, text, raw)
       SELECT $1, $2, $3, 'B' || g, '5491199999999@s.whatsapp.net', g % 2 = 0, 1700000000 + g / 3, 'conversation', 'text', 'stored message ' || g, '\\x0102'::bytea
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
  console.log(JSON.stringify({
    database: database.kind,
    historyIngest: { messages: HISTORY, chats, ms: round(ingestMs), messagesPerSecond: round(HISTORY / (ingestMs / 1000)), peakRssMb: round(peak / 2 ** 20), rssBeforeMb: round(rssBefore / 2 ** 20) },
    reads: { storedInChat: STORED, bulkLoadMs: round(loadMs), requests: REQUESTS, pageSize: 50, latencyMs: summarize(latencies) },
  }, null, 2));
  await app.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
