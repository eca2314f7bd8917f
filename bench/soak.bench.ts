/**
 * Steady two-way traffic, as an operator runs it (issue 32): the build (`node <start:prod's flags>
 * dist/main.js`) in its own process, on a private PostgreSQL 15 (or TEST_DATABASE_URL) or on the
 * embedded PGlite, connected to the simulator (its own process); S sandbox accounts are linked,
 * then C contacts write to them at random at R messages a second in all (texts of 1–200
 * characters, in bursts of 1–B messages in a row, as people write), and every account answers every Nth message it receives (`POST /sessions/:id/messages`
 * to that contact), for M minutes. A callback receiver stands on BACKEND_BASE_URL and one Socket.io
 * client listens to the tenant's events. After the traffic, the run waits up to --settle-s seconds
 * for everything to arrive.
 *
 * One JSON object: messages sent each way; inbound stored (`wa_messages`), called back
 * (`messages/received`) and emitted (`session.messages.upsert`), distinct, and what is missing;
 * decrypt failures on both sides (the app's "failed to decrypt message" log lines, the stubs left
 * in `wa_messages`, the messages the contacts could never decrypt); retry receipts sent and
 * answered each way; the callback lag (max, p99, and the oldest inbound not called back at the
 * end of the traffic); the app's RSS, heap used and external memory every --sample-s seconds
 * (from /metrics) and their slope after the warm-up (the first third of the traffic).
 *
 *   npm run bench:soak -- [--sessions 30] [--contacts 20] [--rate 10] [--minutes 8] [--database postgres|embedded]
 *                         [--reply-every 5] [--burst 4] [--simulator sandbox|child] [--settle-s 120] [--sample-s 30]
 * SOAK_APP_NODE_OPTIONS (env) is handed to the app as NODE_OPTIONS, e.g. `--heapsnapshot-signal=SIGUSR2`
 * to take heap snapshots of the app (written to its working directory) while it runs; SOAK_APP_FLAGS
 * replaces start:prod's V8 flags on the app's command line (to try others).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { io } from 'socket.io-client';
import { SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../src/simulator/certificates.js';
import { freePort } from '../test/support/free-port.js';
import { openBenchDatabase } from './support/bench-database.js';
import { SimulatorProcess, type SimulatorStats } from './support/simulator-process.js';
import { round, summarize } from './support/stats.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '30' },
    contacts: { type: 'string', default: '20' },
    rate: { type: 'string', default: '10' },
    minutes: { type: 'string', default: '8' },
    database: { type: 'string', default: 'postgres' },
    'reply-every': { type: 'string', default: '5' },
    'settle-s': { type: 'string', default: '120' },
    'sample-s': { type: 'string', default: '30' },
    simulator: { type: 'string', default: 'sandbox' },
    burst: { type: 'string', default: '4' },
  },
});
const SESSIONS = Number(values.sessions);
const CONTACTS = Number(values.contacts);
const RATE = Number(values.rate);
const MINUTES = Number(values.minutes);
const EMBEDDED = values.database === 'embedded';
const REPLY_EVERY = Number(values['reply-every']);
const SETTLE_MS = Number(values['settle-s']) * 1000;
const SAMPLE_MS = Number(values['sample-s']) * 1000;
const SANDBOX = values.simulator !== 'child';
const BURST = Number(values.burst);
const PASSWORD = 'Soak-Password-123!';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `start:prod`'s V8 flags, or SOAK_APP_FLAGS (e.g. `--liftoff-only --max-semi-space-size=16`) to try others. */
const prodFlags = (): string[] => {
  if (process.env.SOAK_APP_FLAGS !== undefined) return process.env.SOAK_APP_FLAGS.split(/\s+/).filter(Boolean);
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'];
  return script.split(/\s+/).filter((word) => word.startsWith('--'));
};
/** A text of 1–200 characters that starts with its own tag (`in:<n>:` / `out:<n>:`), so that every copy can be traced. */
const textFor = (tag: string): string => {
  const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ';
  const length = Math.max(tag.length + 1, Math.floor(Math.random() * 200) + 1);
  return `${tag} ${filler.repeat(3)}`.slice(0, length);
};
const tagOf = (text: unknown): string | undefined => (typeof text === 'string' ? /^(in|out):\d+:/.exec(text)?.[0] : undefined);
const slopePerMinute = (points: Array<[number, number]>): number => {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60_000;
};

async function main(): Promise<void> {
  const database = await openBenchDatabase('bench_soak', { embedded: EMBEDDED });
  // The contacts' phones: the app's own sandbox (WA_SANDBOX, driven over its REST routes, as an
  // operator tries it), or a simulator in a child process (--simulator child).
  const sim = SANDBOX ? null : await SimulatorProcess.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-soak-'));

  // The main backend: records when each inbound message was called back.
  const calledBack = new Map<string, number>();
  let callbacks = 0;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      callbacks++;
      if (req.url?.endsWith('/messages/received')) {
        const tag = tagOf((JSON.parse(body) as { message_content?: unknown }).message_content);
        if (tag && !calledBack.has(tag)) calledBack.set(tag, Date.now());
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = spawn(process.execPath, [...prodFlags(), 'dist/main.js'], {
    env: {
      ...process.env, NODE_OPTIONS: process.env.SOAK_APP_NODE_OPTIONS ?? '', NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), DATA_DIR: dataDir,
      JWT_SECRET: 'soak-secret-soak-secret-soak-secret-0123', ADMIN_EMAIL: 'soak@example.com', ADMIN_PASSWORD: PASSWORD,
      MAX_SESSIONS_PER_TENANT: String(SESSIONS + 10), ...(sim ? { WA_SERVER_URL: sim.url, WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX } : { WA_SANDBOX: 'true' }),
      BACKEND_BASE_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, BACKEND_API_KEY: 'soak-backend-key',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The app's own log lines (JSON, warn and above), counted by message; never printed.
  const logCounts = new Map<string, number>();
  createInterface({ input: app.stdout! }).on('line', (line) => {
    let msg = 'unparsed';
    try {
      const entry = JSON.parse(line) as { msg?: unknown; messageType?: unknown; err?: { message?: unknown }; error?: { message?: unknown } };
      const reason = entry.err?.message ?? entry.error?.message;
      // Error messages of Baileys and libsignal name the failure, never a message's content.
      msg = `${String(entry.msg ?? '')}${typeof entry.messageType === 'string' ? ` (${entry.messageType})` : ''}${typeof reason === 'string' ? `: ${reason.slice(0, 80)}` : ''}`;
    } catch { /* counted as unparsed */ }
    logCounts.set(msg, (logCounts.get(msg) ?? 0) + 1);
  });
  const started = Date.now();
  while (!(await fetch(`${base}/health`).then((r) => r.ok, () => false))) {
    if (app.exitCode !== null || Date.now() - started > 120_000) throw new Error('the app did not start');
    await sleep(200);
  }

  const login = (await (await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'soak@example.com', password: PASSWORD }) })).json()) as { accessToken: string; user: { id: string } };
  const bearer = { authorization: `Bearer ${login.accessToken}` };
  const keyRes = (await (await fetch(`${base}/api-keys`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'soak' }) })).json()) as { key: string };
  // A service key never expires: the run may outlast an access token.
  const auth = { 'x-api-key': keyRes.key, 'x-user-id': login.user.id };
  const http = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${path}`, { method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };

  const socket = io(`${base}/sessions`, { transports: ['websocket'], forceNew: true, extraHeaders: auth });
  await new Promise<void>((resolve, reject) => { socket.once('session.snapshot', () => resolve()); socket.once('connect_error', reject); });
  const emitted = new Set<string>();
  // Inbound tag → when the simulator had handed it to the account's socket, and who sent it.
  const sentAt = new Map<string, number>();
  const senderOf = new Map<string, string>();
  let t0 = Date.now();
  const connected = new Set<string>();
  const replyDue = new Map<string, number>();
  const phoneOf = new Map<string, string>();
  let repliesSent = 0;
  let replyErrors = 0;
  socket.on('session.status.connected', (e: { sessionId: string }) => connected.add(e.sessionId));
  socket.on('session.messages.upsert', (e: { sessionId: string; payload: { messages: Array<{ text?: string | null; fromMe?: boolean; from?: string; remoteJid?: string; chatJid?: string }> } }) => {
    for (const m of e.payload.messages) {
      const tag = tagOf(m.text);
      if (!tag?.startsWith('in:') || emitted.has(tag)) continue;
      emitted.add(tag);
      const n = (replyDue.get(e.sessionId) ?? 0) + 1;
      replyDue.set(e.sessionId, n);
      const contact = senderOf.get(tag);
      if (n % REPLY_EVERY === 0 && contact) {
        const out = `out:${++repliesSent}:`;
        http('POST', `/sessions/${e.sessionId}/messages`, { to: contact, text: textFor(out) }).catch(() => replyErrors++);
      }
    }
  });

  // Link the accounts one after the other.
  const sessions: string[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    const { id } = (await http('POST', '/sessions')) as { id: string };
    const phone = `54911000${String(7000 + s)}`;
    let qr: string | undefined;
    while (!qr) {
      const res = await fetch(`${base}/sessions/${id}/qr`, { headers: auth });
      if (res.ok) qr = ((await res.json()) as { qrText?: string }).qrText;
      if (!qr) await sleep(100);
    }
    if (sim) await sim.scan(qr, phone);
    else await http('POST', `/sandbox/sessions/${id}/scan`, { phoneNumber: phone });
    while (!connected.has(id)) await sleep(100);
    sessions.push(id);
    phoneOf.set(id, phone);
  }
  const contacts = Array.from({ length: CONTACTS }, (_, i) => `5491180${String(i).padStart(5, '0')}`);

  // Memory of the app, from its own /metrics.
  const samples: Array<{ atS: number; rssMb: number; heapUsedMb: number; externalMb: number }> = [];
  const sample = async (): Promise<void> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const metric = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    samples.push({ atS: round((Date.now() - t0) / 1000), rssMb: round(metric('process_resident_memory_bytes')), heapUsedMb: round(metric('nodejs_heap_size_used_bytes')), externalMb: round(metric('nodejs_external_memory_bytes')) });
  };

  // The traffic: people write in bursts. A random contact writes to a random account 1–BURST messages
  // in a row (each sent once the previous one was handed over), bursts starting at random (exponential
  // gaps) so that R messages a second go out on average.
  let sendErrors = 0;
  t0 = Date.now();
  await sample();
  const sampler = setInterval(() => void sample().catch(() => undefined), SAMPLE_MS);
  const until = t0 + MINUTES * 60_000;
  const sends: Array<Promise<void>> = [];
  const sendOne = async (from: string, to: string, tag: string): Promise<void> => {
    senderOf.set(tag, from);
    try {
      if (sim) await sim.send([{ from, to, texts: [textFor(tag)] }]);
      else await http('POST', `/sandbox/contacts/${from}/messages`, { to, text: textFor(tag) });
      sentAt.set(tag, Date.now());
    } catch {
      sendErrors++;
    }
  };
  let n = 0;
  while (Date.now() < until) {
    const from = contacts[Math.floor(Math.random() * contacts.length)]!;
    const to = phoneOf.get(sessions[Math.floor(Math.random() * sessions.length)]!)!;
    const tags = Array.from({ length: 1 + Math.floor(Math.random() * BURST) }, () => `in:${++n}:`);
    sends.push((async () => {
      for (const tag of tags) await sendOne(from, to, tag);
    })());
    await sleep(-Math.log(1 - Math.random()) * ((1000 * tags.length) / RATE));
  }
  await Promise.all(sends);
  const trafficEnd = Date.now();
  const notCalledBackAtEnd = [...sentAt].filter(([tag]) => !calledBack.has(tag));
  const lagAtEndMs = notCalledBackAtEnd.length === 0 ? 0 : trafficEnd - Math.min(...notCalledBackAtEnd.map(([, at]) => at));
  // Let what is in flight arrive.
  while (Date.now() - trafficEnd < SETTLE_MS && (calledBack.size < sentAt.size || emitted.size < sentAt.size)) await sleep(500);
  clearInterval(sampler);
  await sample();

  const stats = sim ? await sim.stats() : await sandboxStats(http, contacts, [...phoneOf.values()]);
  socket.disconnect();
  app.kill('SIGTERM');
  await new Promise((r) => app.once('exit', r));
  // What the database holds (the embedded one is opened once the app has let go of it).
  const query = await openStore(database.url, dataDir);
  const count = async (sql: string): Promise<number> => Number((await query(sql))[0]!.n);
  const stored = await count(`SELECT count(DISTINCT substring(text from '^in:[0-9]+:')) AS n FROM wa_messages WHERE NOT from_me AND text ~ '^in:[0-9]+:'`);
  const outboundStored = await count(`SELECT count(*) AS n FROM wa_messages WHERE from_me AND text ~ '^out:[0-9]+:'`);
  const stubs = await count(`SELECT count(*) AS n FROM wa_messages WHERE is_stub`);
  await query.close();
  const lags = [...calledBack].map(([tag, at]) => at - (sentAt.get(tag) ?? at));
  const warm = samples.filter((s) => s.atS * 1000 >= (MINUTES * 60_000) / 3);
  const slope = (key: 'rssMb' | 'heapUsedMb' | 'externalMb') => round(slopePerMinute(warm.map((s) => [s.atS * 1000, s[key]])));
  const missing = (set: { has(tag: string): boolean }) => [...sentAt.keys()].filter((tag) => !set.has(tag)).length;
  console.log(JSON.stringify({
    database: database.kind, sessions: SESSIONS, burst: BURST, contacts: CONTACTS, ratePerSecond: RATE, minutes: MINUTES, replyEvery: REPLY_EVERY,
    inbound: { sentByContacts: sentAt.size, sendErrors, handedBySimulator: stats.inbound, stored, calledBack: calledBack.size, emitted: emitted.size, notStored: sentAt.size - stored, notCalledBack: missing(calledBack), notEmitted: missing(emitted) },
    outbound: { sentBySessions: repliesSent, sendErrors: replyErrors, stored: outboundStored, seenByContacts: stats.outbound, decryptedByContacts: stats.outboundDecrypted, undecryptableByContacts: stats.outboundUndecryptable },
    decryptFailures: { appLogLines: [...logCounts].filter(([m]) => m.startsWith('failed to decrypt message')).reduce((n, [, c]) => n + c, 0), stubsLeft: stubs, contactsCouldNotDecrypt: stats.outboundUndecryptable },
    simulator: SANDBOX ? 'the app\'s sandbox (WA_SANDBOX=true)' : 'child process',
    retries: { askedBySessions: stats.retriesAskedBySessions, answeredByContacts: stats.retriesAnsweredByContacts, askedByContacts: stats.retriesAskedByContacts },
    callbacks: { total: callbacks, lagMs: summarize(lags), lagAtEndOfTrafficMs: lagAtEndMs, notCalledBackAtEndOfTraffic: notCalledBackAtEnd.length },
    memory: { samples, slopeMbPerMinuteAfterWarmUp: { rss: slope('rssMb'), heapUsed: slope('heapUsedMb'), external: slope('externalMb') } },
    appLogMessages: Object.fromEntries(logCounts),
  }));
  receiver.close();
  await sim?.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

/** The contacts' view in sandbox mode, from their inboxes (retries are not visible there: null). */
async function sandboxStats(http: (method: string, path: string) => Promise<Record<string, unknown>>, contacts: string[], phones: string[]): Promise<SimulatorStats> {
  const decrypted = new Set<string>();
  const seen = new Set<string>();
  for (const contact of contacts) {
    for (const phone of phones) {
      const inbox = (await http('GET', `/sandbox/contacts/${contact}/inbox?from=${phone}`)) as { messages: Array<{ id: string; decryptedBy: string[] }> };
      for (const m of inbox.messages) {
        seen.add(m.id);
        if (m.decryptedBy.includes('contact')) decrypted.add(m.id);
      }
    }
  }
  const unknown = null as unknown as number;
  return { inbound: unknown, outbound: seen.size, outboundDecrypted: decrypted.size, outboundUndecryptable: seen.size - decrypted.size, retriesAskedBySessions: unknown, retriesAnsweredByContacts: unknown, retriesAskedByContacts: unknown };
}

type Query = ((sql: string) => Promise<Array<Record<string, unknown>>>) & { close(): Promise<void> };
async function openStore(url: string | undefined, dataDir: string): Promise<Query> {
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return Object.assign(async (sql: string) => (await client.query(sql)).rows as Array<Record<string, unknown>>, { close: () => client.end() });
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(join(dataDir, 'pglite'));
  return Object.assign(async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows, { close: () => db.close() });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
