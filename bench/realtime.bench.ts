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
 * The clients run in a child process (bench/support/realtime-clients-child.ts), as real clients
 * would, so that their decoding is not the server's; both processes timestamp on the shared wall
 * clock (`performance.timeOrigin + performance.now()`).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { round, summarize } from './support/stats.js';
import type { ClientsReply, ClientsRequest } from './support/realtime-clients-child.js';

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
    SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-00',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    WA_SANDBOX: 'true',
    // K clients of one user from one address: past the default realtime connection caps.
    REALTIME_MAX_CONNECTIONS_PER_USER: String(K + 10),
    REALTIME_MAX_CONNECTIONS_PER_IP: String(K + 10),
    REALTIME_MAX_CONNECTIONS: String(Math.max(10_000, K + 10)),
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

  // --- K sockets, in another process ---
  const now = () => performance.timeOrigin + performance.now();
  const tSent = new Float64Array(M);
  const tCommit = new Float64Array(M);
  const sendLatencies: number[] = [];
  const commitLatencies: number[] = [];
  const received = new Int32Array(M);
  const lastSocketMs: number[] = [];
  let waiter: { index: number; resolve: () => void } | null = null;
  events.onCommit('session.messages.upsert', (e) => {
    const m = /^bench-(\d+)$/.exec(e.payload.messages[0]?.text ?? '');
    if (m) tCommit[Number(m[1])] = now();
  });

  const clients = fork(fileURLToPath(new URL('./support/realtime-clients-child.ts', import.meta.url)), [], { execArgv: process.execArgv });
  const ready = new Promise<number>((resolve, reject) => {
    clients.on('message', (reply: ClientsReply) => {
      if (reply.op === 'ready') resolve(reply.connectMs);
      else if (reply.op === 'error') reject(new Error(reply.error));
      else {
        const i = reply.index;
        for (const at of reply.arrivals) {
          sendLatencies.push(at - tSent[i]);
          commitLatencies.push(at - tCommit[i]);
        }
        received[i] = reply.arrivals.length;
        lastSocketMs[i] = Math.max(...reply.arrivals) - tSent[i];
        if (waiter?.index === i) waiter.resolve();
      }
    });
    clients.once('exit', (code) => reject(new Error(`the clients' process exited with ${code}`)));
  });
  clients.send({ op: 'connect', url: baseUrl, token: accessToken, clients: K, batch: CONNECT_BATCH } satisfies ClientsRequest);
  const connectSeconds = (await ready) / 1000;

  // --- M messages, one at a time ---
  const contact = '5491199990000';
  let timedOut = 0;
  for (let i = 0; i < M; i++) {
    const allReceived = new Promise<void>((resolve) => (waiter = { index: i, resolve }));
    tSent[i] = now();
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
    clientsIn: 'a child process',
    messages: M,
    connectSeconds: round(connectSeconds),
    deliveries,
    expectedDeliveries: K * M,
    messagesTimedOut: timedOut,
    sendToSocketLatencyMs: summarize(sendLatencies),
    commitToSocketLatencyMs: summarize(commitLatencies),
    lastSocketLatencyMs: { ...summarize(last), perMessage: last.map(round) },
  };

  clients.removeAllListeners('exit');
  clients.send({ op: 'stop' } satisfies ClientsRequest);
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
