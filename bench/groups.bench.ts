/**
 * Groups in the app, end to end (issue 26): the app in this process (production config, a private
 * PostgreSQL 15 or TEST_DATABASE_URL, `--embedded` for PGlite) with one real Baileys session
 * connected to the simulator in a child process (bench/support/groups-simulator-child.ts), whose
 * contacts make groups with the session and write to them with sender keys.
 *
 *   npm run bench:groups -- [--groups 10] [--members 256] [--messages 10000] [--big-group 1000] [--sends 100] [--reads 200] [--embedded]
 *   GROUP_BENCH_RECEIPTS=true: the big group's members send their delivered/read receipts (off by default)
 *
 * 1. Inbound: `--groups` groups of `--members` contacts (and the session). First every member's
 *    first message (its SKDM as a pkmsg, then the skmsg: a new Signal session per member in the
 *    app), then `--messages` more round-robin (skmsg only). The simulator encrypts each burst first
 *    and keeps it back (WhatsApp's servers do not share the app's two cores), then hands it over
 *    as fast as the socket takes it. Messages/s from that release until the last message
 *    committed with its `session.messages.upsert` (stored and emitted),
 *    the app's CPU (this process) and PostgreSQL's per message; the rows counted in `wa_messages`.
 * 2. Sending to a `--big-group`-member group through `POST /chats/:jid/messages`: the first send
 *    (the session's sender key to every member's device: device list, pre-key bundles, one pkmsg
 *    each) and the next `--sends` one after the other (skmsg only): latency of each request and
 *    the app's CPU per send; the `w:g2` metadata queries the simulator got during the sends (0:
 *    the metadata cache).
 * 3. `GET /groups/:jid` of the big group (its participants read from the store), `--reads` times.
 *
 * Prints one JSON line. Targets: inbound ≥ 1,000 msg/s; later sends p99 < 50 ms; read p99 < 20 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../src/simulator/certificates.js';
import { postJson } from '../test/support/app-process-runner.js';
import { loadAppModules } from './support/app-modules.js';
import { openBenchDatabase } from './support/bench-database.js';
import type { GroupSimReply, GroupSimRequest } from './support/groups-simulator-child.js';
import { isPostgres, msSince, snapshot } from './support/process-cpu.js';
import { round, summarize } from './support/stats.js';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '10' },
    members: { type: 'string', default: '256' },
    messages: { type: 'string', default: '10000' },
    'big-group': { type: 'string', default: '1000' },
    sends: { type: 'string', default: '100' },
    reads: { type: 'string', default: '200' },
    embedded: { type: 'boolean', default: false },
  },
});
const GROUPS = Number(values.groups);
const MEMBERS = Number(values.members);
const MESSAGES = Number(values.messages);
const BIG = Number(values['big-group']);
const SENDS = Number(values.sends);
const READS = Number(values.reads);
const TIMEOUT_MS = 600_000;
const SESSION_PHONE = '5491100004242';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<Exclude<GroupSimRequest, { op: 'stop' }>>;

/** The simulator child: one request at a time per call, answered by id. */
class GroupSimulator {
  private nextId = 1;
  private readonly pending = new Map<number, (r: GroupSimReply) => void>();
  private constructor(private readonly child: ChildProcess, readonly url: string) {
    child.on('message', (m: GroupSimReply) => this.pending.get(m.id)?.(m));
  }
  static start(): Promise<GroupSimulator> {
    const child = fork(fileURLToPath(new URL('./support/groups-simulator-child.ts', import.meta.url)), [], { execArgv: process.execArgv });
    return new Promise((resolve) => child.once('message', (m: GroupSimReply) => resolve(new GroupSimulator(child, (m as { value: string }).value))));
  }
  get pid(): number {
    return this.child.pid!;
  }
  request<T>(req: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => {
        this.pending.delete(id);
        if (r.ok) resolve(r.value as T);
        else reject(new Error(r.error));
      });
      this.child.send({ ...req, id } as GroupSimRequest);
    });
  }
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ id: 0, op: 'stop' } satisfies GroupSimRequest);
    });
  }
}

const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const sim = await GroupSimulator.start();
  const { createApp, loadConfig, createRootLogger, DomainEvents } = await loadAppModules();
  // tsx turns source maps on; the app runs from dist/ without them (package.json "start"), and
  // Baileys takes a stack trace for every frame it sends (promiseTimeout): keep that cost production's.
  process.setSourceMapsEnabled(false);
  const database = await openBenchDatabase('bench_groups', { embedded: values.embedded });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-groups-'));
  const config = loadConfig({
    NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: randomUUID() + randomUUID(),
    WA_SERVER_URL: sim.url, WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX, WA_QR_TIMEOUT_MS: '60000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  });
  const { app } = await createApp(config, createRootLogger('error'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const events = app.get(DomainEvents);
  const db = app.get(DataSource);
  await postJson(baseUrl, '/users', { email: 'groups@example.com', password: 'bench-password-1', name: 'Groups' });
  const token = (await postJson(baseUrl, '/auth/login', { email: 'groups@example.com', password: 'bench-password-1' })).accessToken as string;
  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };

  // What the app committed: groups stored, group messages stored and emitted.
  const knownGroups = new Set<string>();
  const groupWaiters: Array<() => void> = [];
  events.onCommit('session.groups.upsert', (e) => {
    for (const g of e.payload.groups) knownGroups.add(g.jid);
    for (const w of groupWaiters.splice(0)) w();
  });
  const untilGroups = (jids: string[]) => within(new Promise<void>((resolve) => {
    const check = () => (jids.every((j) => knownGroups.has(j)) ? resolve() : groupWaiters.push(check));
    check();
  }), 'groups stored');
  let inbound = 0;
  let inboundTarget = Infinity;
  let inboundDone: () => void = () => undefined;
  let lastInboundAt = 0;
  events.onCommit('session.messages.upsert', (e) => {
    for (const m of e.payload.messages) if (!m.fromMe && m.chatJid?.endsWith('@g.us')) inbound++;
    lastInboundAt = performance.now();
    if (inbound >= inboundTarget) inboundDone();
  });
  const inboundReaches = (target: number) => {
    inboundTarget = target;
    return within(new Promise<void>((resolve) => {
      inboundDone = resolve;
      if (inbound >= target) resolve();
    }), `${target} group messages stored`);
  };

  // Link the session.
  let qrOf: (qr: string) => void = () => undefined;
  const firstQr = new Promise<string>((resolve) => (qrOf = resolve));
  let connectedOf: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (connectedOf = resolve));
  events.onCommit('session.qr.updated', (e) => qrOf(e.payload.qrText));
  events.onCommit('session.status.changed', (e) => {
    if (e.payload.status === 'connected') connectedOf();
  });
  const sessionId = (await request('POST', '/sessions', {})).body.id as string;
  await sim.request({ op: 'scan', qr: await within(firstQr, 'the QR'), phoneNumber: SESSION_PHONE });
  await within(connected, 'the session connected');

  // 1. Inbound.
  const jids = await sim.request<string[]>({ op: 'groups', session: SESSION_PHONE, count: GROUPS, members: MEMBERS, base: 17_000_000_000, subject: 'Bench' });
  await untilGroups(jids);
  const phase = async (count: number, offset: number) => {
    const before = inbound;
    await sim.request({ op: 'burst', jids, members: MEMBERS, base: 17_000_000_000, count, offset });
    const [cpu0, pg0, t0] = [cpuMs(), snapshot(isPostgres), performance.now()];
    const done = inboundReaches(before + count);
    await sim.request({ op: 'release' });
    const handedMs = performance.now() - t0;
    await done;
    const ms = lastInboundAt - t0;
    return {
      messages: count, seconds: round(ms / 1000), messagesPerSecond: Math.round((count / ms) * 1000), simulatorHandedOverPerSecond: Math.round((count / handedMs) * 1000),
      appCpuMsPerMessage: round((cpuMs() - cpu0) / count), postgresCpuMsPerMessage: round(msSince(pg0, isPostgres) / count),
    };
  };
  const firstMessages = await phase(GROUPS * MEMBERS, 0);
  const steady = await phase(MESSAGES, 1);
  const [{ n: stored }] = (await db.query(`SELECT count(*)::int AS n FROM wa_messages WHERE session_id = $1 AND remote_jid LIKE '%@g.us'`, [sessionId])) as Array<{ n: number }>;

  // 2. Sending to a big group.
  const [big] = await sim.request<string[]>({ op: 'groups', session: SESSION_PHONE, count: 1, members: BIG, base: 18_000_000_000, subject: 'Grande' });
  await untilGroups([big!]);
  const send = async (i: number) => {
    const [cpu0, t0] = [cpuMs(), performance.now()];
    await request('POST', `/chats/${big}/messages`, { content: `to the big group ${i}` });
    return { ms: performance.now() - t0, cpuMs: cpuMs() - cpu0 };
  };
  const iqs0 = await sim.request<number>({ op: 'groupIqs' });
  const decrypted0 = await sim.request<number>({ op: 'decrypted' });
  const pg0 = snapshot(isPostgres);
  const first = await send(0);
  const firstPg = msSince(pg0, isPostgres);
  const later: Array<{ ms: number; cpuMs: number }> = [];
  const pg1 = snapshot(isPostgres);
  for (let i = 1; i <= SENDS; i++) later.push(await send(i));
  const laterPg = msSince(pg1, isPostgres);
  const metadataQueries = (await sim.request<number>({ op: 'groupIqs' })) - iqs0;
  // Every member decrypts every send (the simulator decrypts a send before it acks it).
  const memberDecryptions = (await sim.request<number>({ op: 'decrypted' })) - decrypted0;

  // 3. Reading the big group.
  const reads: number[] = [];
  let participants = 0;
  for (let i = 0; i < READS + 20; i++) {
    const t0 = performance.now();
    const res = await request('GET', `/groups/${big}`);
    if (i >= 20) reads.push(performance.now() - t0);
    participants = (res.body.participants as unknown[]).length;
  }

  console.log(JSON.stringify({
    bench: 'groups',
    database: database.kind,
    machine: { cpus: cpus().length, loadavg: loadavg().map(round) },
    inbound: { groups: GROUPS, membersPerGroup: MEMBERS, firstMessages, steady, storedGroupMessages: stored, expected: GROUPS * MEMBERS + MESSAGES },
    bigGroupSend: {
      members: BIG,
      memberReceipts: process.env.GROUP_BENCH_RECEIPTS === 'true',
      metadataQueries,
      memberDecryptions: { got: memberDecryptions, expected: (SENDS + 1) * BIG },
      first: { ms: round(first.ms), appCpuMs: round(first.cpuMs), postgresCpuMs: round(firstPg) },
      later: { sends: SENDS, latencyMs: summarize(later.map((l) => l.ms)), appCpuMsPerSend: round(later.reduce((a, l) => a + l.cpuMs, 0) / SENDS), postgresCpuMsPerSend: round(laterPg / SENDS) },
    },
    readBigGroup: { participants, reads: READS, latencyMs: summarize(reads) },
  }));

  await app.close();
  await sim.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
