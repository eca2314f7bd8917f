/**
 * Socket.io fan-out. Boots the app in sandbox mode (real Baileys against the in-process WhatsApp
 * simulator) on a real PostgreSQL (TEST_DATABASE_URL if set, otherwise a private server started
 * like the test suite's; `--embedded` for PGlite), onboards one session, connects K sockets of its
 * tenant to namespace /sessions (all in this process), then has a simulated contact send M texts,
 * one at a time. For every message and socket it measures the time from the contact's send (the
 * sandbox HTTP call) to that socket receiving the `session.messages.upsert`; and, to isolate what
 * the realtime layer adds, from the event's commit on the bus to the same arrival. Prints JSON.
 *
 *   npm run bench:realtime -- --clients 1000 [--messages 50] [--embedded]
 *
 * The clients share the process (and its 2 cores here) with the server: their decoding is part of
 * the numbers, so they are an upper bound of what the server alone costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { round, summarize } from './support/stats.js';
import { io, type Socket } from 'socket.io-client';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '50' },
    embedded: { type: 'boolean', default: false },
  },
});
const K = Number(values.clients);
const M = Number(values.messages);
const CONNECT_BATCH = 100;
const MESSAGE_TIMEOUT_MS = 60_000;


async function main(): Promise<void> {
  const { createApp, loadConfig, createRootLogger, DomainEvents } = await loadAppModules();

  // --- database ---
  const database = await openBenchDatabase('bench_realtime', { embedded: Boolean(values.embedded) });
  const databaseUrl = database.url;

  // --- app ---
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-bench-realtime-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-00',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    WA_SANDBOX: 'true',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const { app } = await createApp(config, createRootLogger(config.logLevel));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const events = app.get(DomainEvents);

  const http = async (method: string, path: string, body?: unknown, token?: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  /** The next event of `type` (of any session: the bench runs one). */
  const nextEvent = (type: 'session.qr.updated' | 'session.status.connected'): Promise<void> =>
    new Promise((resolve) => {
      const off = events.onCommit(type, () => {
        off();
        resolve();
      });
    });

  // --- one user, one connected session ---
  const email = `bench.${Date.now()}@example.com`;
  await http('POST', '/users', { email, password: 'SuperSecure123!', name: 'Bench' });
  const { accessToken } = (await http('POST', '/auth/login', { email, password: 'SuperSecure123!' })) as { accessToken: string };
  const firstQr = nextEvent('session.qr.updated');
  const created = (await http('POST', '/sessions', undefined, accessToken)) as { id: string };
  await firstQr;
  const sessionPhone = '5491100012345';
  const connected = nextEvent('session.status.connected');
  await http('POST', `/sandbox/sessions/${created.id}/scan`, { phoneNumber: sessionPhone }, accessToken);
  await connected;

  // --- K sockets ---
  const tSent = new Float64Array(M);
  const tCommit = new Float64Array(M);
  const sendLatencies: number[] = [];
  const commitLatencies: number[] = [];
  const received = new Int32Array(M);
  const lastSocketMs: number[] = [];
  let waiter: { index: number; resolve: () => void } | null = null;
  events.onCommit('session.messages.upsert', (e) => {
    const m = /^bench-(\d+)$/.exec(e.payload.messages[0]?.text ?? '');
    if (m) tCommit[Number(m[1])] = performance.now();
  });

  const sockets: Socket[] = [];
  const connectStart = performance.now();
  for (let batch = 0; batch < K; batch += CONNECT_BATCH) {
    const n = Math.min(CONNECT_BATCH, K - batch);
    await Promise.all(
      Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
        const socket = io(`${baseUrl}/sessions`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: accessToken } });
        socket.once('session.snapshot', () => resolve());
        socket.once('unauthorized', (p: unknown) => reject(new Error(`socket refused: ${JSON.stringify(p)}`)));
        socket.once('connect_error', reject);
        socket.on('session.messages.upsert', (e: { payload: { messages: Array<{ text: string | null }> } }) => {
          const now = performance.now();
          const m = /^bench-(\d+)$/.exec(e.payload.messages[0]?.text ?? '');
          if (!m) return;
          const i = Number(m[1]);
          sendLatencies.push(now - tSent[i]);
          commitLatencies.push(now - tCommit[i]);
          if (++received[i] === K) {
            lastSocketMs[i] = now - tSent[i];
            if (waiter?.index === i) waiter.resolve();
          }
        });
        sockets.push(socket);
      })),
    );
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;

  // --- M messages, one at a time ---
  const contact = '5491199990000';
  let timedOut = 0;
  for (let i = 0; i < M; i++) {
    const allReceived = new Promise<void>((resolve) => (waiter = { index: i, resolve }));
    tSent[i] = performance.now();
    await http('POST', `/sandbox/contacts/${contact}/messages`, { to: sessionPhone, text: `bench-${i}` }, accessToken);
    const done = await Promise.race([allReceived.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), MESSAGE_TIMEOUT_MS).unref())]);
    if (!done) timedOut++;
  }

  const deliveries = received.reduce((a, b) => a + b, 0);
  const last = lastSocketMs.filter((v) => v !== undefined);
  const result = {
    benchmark: 'realtime',
    database: database.kind,
    clients: K,
    messages: M,
    connectSeconds: round(connectSeconds),
    deliveries,
    expectedDeliveries: K * M,
    messagesTimedOut: timedOut,
    sendToSocketLatencyMs: summarize(sendLatencies),
    commitToSocketLatencyMs: summarize(commitLatencies),
    lastSocketLatencyMs: { ...summarize(last), perMessage: last.map(round) },
  };

  for (const socket of sockets) socket.disconnect();
  await app.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify(result, null, 2));
  // The session's Baileys socket can keep the loop alive for a while after close: exit now.
  process.exit(deliveries === K * M ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
