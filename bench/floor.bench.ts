/**
 * The floor, side by side: in one process and one run, N bare Baileys sockets (in-memory auth
 * state, no product) onboard against the simulator; then the product does the same with N
 * sessions (POST /sessions). Then `--rounds R` (default 5) login rounds, each the floor's N
 * logins and then the product's N, back to back (the floor closes its sockets and the product
 * calls POST /sessions/:id/stop outside the measure; the product's login is POST
 * /sessions/:id/restart): the login figures are the medians of the rounds, so that both sides are
 * measured under the same machine load. The product also reports `cpuMsPerRestart`: a restart of
 * a running session, its socket closed and opened again, which has no floor side.
 *
 *   npm run bench:floor -- --sessions 20 [--warmup 3] [--rounds 5] [--profile DIR] [--inbound 2000 --inbound-sessions 10 --contacts 5]
 *
 * `--inbound M` (default 0: skipped) adds, on each side once its sessions are logged in, M texts
 * sent at once by C simulated contacts to each of the first S sessions (each contact's first
 * message, which sets up its Signal session, is sent and received before): messages/s from the
 * first send until every one is decrypted (floor: Baileys' `messages.upsert`) or stored and
 * published (product: the committed `session.messages.upsert`), and CPU ms per message.
 *
 * Each side first onboards and logs in `--warmup` accounts that are not measured, so that the
 * figures are a long-running process's per-session cost, not V8 compiling each side's code once.
 *
 * Both use the same XEdDSA implementation (WA_NATIVE_CRYPTO, default on), so the ratio is the
 * product's own overhead. The simulator runs in a child process; CPU is this process's
 * (process.cpuUsage), which leaves out the simulator and the PostgreSQL server. Prints one JSON
 * object: RSS per idle session after GC, CPU ms per onboarding and per login, the first QR's
 * latency in the onboarding burst (each side's N requested at once), product / floor.
 * With --profile, every measured phase (floor/product × onboarding/login) also leaves a V8 CPU
 * profile of the main thread in DIR (open it in Chrome DevTools).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import makeWASocket, {
  DisconnectReason, initAuthCreds, type AuthenticationCreds, type SignalDataTypeMap, type WASocket,
} from '@whiskeysockets/baileys';
import pino from 'pino';
import { loadAppModules } from './support/app-modules.js';
import { round, summarize } from './support/stats.js';
import { postJson } from '../test/support/app-process-runner.js';
import { openBenchDatabase } from './support/bench-database.js';
import { SimulatorProcess } from './support/simulator-process.js';
import { SIMULATOR_ROOT_KEY, SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../src/simulator/certificates.js';
import { HttpClientProcess } from './support/http-client-process.js';
import { useNativeCurve } from '../src/whatsapp/native-curve.js';
import { trustNoiseRoot } from '../src/whatsapp/noise-trust.js';

const TIMEOUT_MS = 300_000;
const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
const mb = (bytes: number): number => round(bytes / 1024 / 1024);
const phoneNumber = (phase: number, i: number): string => `549${phase}${String(100000000 + i)}`;

async function gcRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 200));
  }
  return process.memoryUsage().rss;
}

/** CPU ms (user + system) this process spends in `work`. */
/** `--profile DIR`: each measured phase also writes a V8 CPU profile of the main thread there. */
let profileDir: string | undefined;

async function cpuMs(work: () => Promise<void>, label: string): Promise<number> {
  const profiler = profileDir ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(join(profileDir!, `${label}.cpuprofile`), JSON.stringify(profile));
    profiler.disconnect();
  }
  return (used.user + used.system) / 1000;
}

/** One bare Baileys account: the in-memory auth state and the socket of the moment. */
class BareAccount {
  private readonly creds: AuthenticationCreds = initAuthCreds();
  private readonly store = new Map<string, unknown>();
  private socket?: WASocket;
  private onText?: (text: string) => void;

  constructor(private readonly serverUrl: string) {}

  /** Every text message this account receives from now on (decrypted by Baileys), on every socket. */
  listen(onText: (text: string) => void): void {
    this.onText = onText;
  }

  /** Connects (again after 515 restart-required) until open; `onQr` gets the first QR. */
  open(onQr?: (qr: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let qrSeen = false;
      const connect = (): void => {
        const sock = makeWASocket({
          auth: { creds: this.creds, keys: this.keys() },
          logger: pino({ level: 'silent' }),
          browser: ['Floor', 'Chrome', '120.0.0'],
          waWebSocketUrl: this.serverUrl,
          qrTimeout: 60_000,
          markOnlineOnConnect: false,
          syncFullHistory: false,
          generateHighQualityLinkPreview: false,
          enableRecentMessageCache: false,
          getMessage: async () => undefined,
        });
        this.socket = sock;
        sock.ev.on('creds.update', (update) => Object.assign(this.creds, update));
        sock.ev.on('messages.upsert', ({ messages }) => {
          for (const m of messages) {
            const text = m.message?.conversation ?? m.message?.extendedTextMessage?.text;
            if (text) this.onText?.(text);
          }
        });
        sock.ev.on('connection.update', ({ connection, qr, lastDisconnect }) => {
          if (qr && !qrSeen) {
            qrSeen = true;
            onQr?.(qr);
          }
          if (connection === 'open') resolve();
          if (connection === 'close') {
            const code = (lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
            if (code === DisconnectReason.restartRequired) connect();
            else reject(new Error(`closed with ${code}`));
          }
        });
      };
      connect();
    });
  }

  close(): void {
    void this.socket?.end(undefined);
    this.socket = undefined;
  }

  private keys() {
    const store = this.store;
    return {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const out: Record<string, SignalDataTypeMap[T]> = {};
        for (const id of ids) {
          const value = store.get(`${type}:${id}`) as SignalDataTypeMap[T] | undefined;
          if (value !== undefined) out[id] = value;
        }
        return out;
      },
      set: async (data: Record<string, Record<string, unknown>>) => {
        for (const [type, values] of Object.entries(data)) {
          for (const [id, value] of Object.entries(values)) {
            if (value === null || value === undefined) store.delete(`${type}:${id}`);
            else store.set(`${type}:${id}`, value);
          }
        }
      },
    };
  }
}

interface InboundResult { sessions: number; contactsPerSession: number; messages: number; ms: number; messagesPerSecond: number; cpuMsPerMessage: number }

/** One side of the comparison, onboarded: its logins and inbound texts, measured by `main`. */
interface Side {
  rssPerSessionMB: number;
  cpuMsPerOnboarding: number;
  /** CPU ms per onboarding from the start of the burst until every first QR is there (part of cpuMsPerOnboarding). */
  cpuMsToFirstQr: number;
  /** From the start of the N onboardings (all at once) to each one's first QR. */
  firstQrMs: ReturnType<typeof summarize>;
  /** Logs every session in again (measured) after closing its socket (not measured). */
  login(label: string): Promise<number>;
  /** Closes every socket (not measured). */
  logout(): Promise<void>;
  inbound(): Promise<InboundResult | null>;
  close(): Promise<void>;
}

/** The inbound options (see the header). */
let inboundOpts = { messages: 0, sessions: 10, contacts: 5 };

/**
 * Texts from simulated contacts to `phones` (sessions of one side, logged in), counted by `listen`
 * (every text a session of that side received): see the header.
 */
async function measureInbound(side: number, phones: string[], listen: (onText: (text: string) => void) => void, sim: SimulatorProcess, label: string): Promise<InboundResult | null> {
  const { messages, contacts } = inboundOpts;
  if (messages <= 0) return null;
  const targets = phones.slice(0, inboundOpts.sessions);
  const senders = targets.flatMap((to, t) => Array.from({ length: contacts }, (_, c) => ({ to, from: `4917${side}${String(t).padStart(3, '0')}${String(c).padStart(4, '0')}` })));
  let warm = 0;
  let seen = 0;
  let allWarm: () => void = () => undefined;
  let allSeen: () => void = () => undefined;
  const warmed = new Promise<void>((resolve) => (allWarm = resolve));
  const done = new Promise<void>((resolve) => (allSeen = resolve));
  listen((text) => {
    if (text === 'warm up' && ++warm === senders.length) allWarm();
    if (text.startsWith('inbound ') && ++seen === messages) allSeen();
  });
  await sim.send(senders.map((s) => ({ ...s, texts: ['warm up'] })));
  await within(warmed, 'warm-up messages');
  const texts = senders.map((_, k) => Array.from({ length: Math.ceil((messages - k) / senders.length) }, (__, j) => `inbound ${k + j * senders.length}`));
  const start = performance.now();
  const cpu = await cpuMs(async () => {
    await sim.send(senders.map((s, k) => ({ ...s, texts: texts[k]! })));
    await within(done, 'every inbound message');
  }, label);
  const ms = performance.now() - start;
  return { sessions: targets.length, contactsPerSession: contacts, messages, ms: round(ms), messagesPerSecond: round(messages / (ms / 1000)), cpuMsPerMessage: round(cpu / messages) };
}

async function floorSide(n: number, warmup: number, sim: SimulatorProcess): Promise<Side> {
  // Unmeasured warm-up accounts: V8 compiles the code paths once, as in a long-running process.
  const warm = Array.from({ length: warmup }, () => new BareAccount(sim.url));
  await Promise.all(warm.map((a, i) => within(a.open((qr) => void sim.scan(qr, phoneNumber(3, i))), 'bare warm-up open')));
  for (const a of warm) a.close();
  await Promise.all(warm.map((a) => within(a.open(), 'bare warm-up login')));
  for (const a of warm) a.close();

  const baseline = await gcRss();
  let accounts: BareAccount[] = [];
  const firstQrMs: number[] = [];
  // Every first QR, then every scan: the QR latency of a burst, as on the product's side.
  const t0 = performance.now();
  const qrs: Array<Promise<string>> = [];
  let opened: Array<Promise<void>> = [];
  let codes: string[] = [];
  const toQr = await cpuMs(async () => {
    // Created inside the measure: their credentials' keys are generated here, as the product's are.
    accounts = Array.from({ length: n }, () => new BareAccount(sim.url));
    opened = accounts.map((a, i) => {
      let shown: (qr: string) => void = () => undefined;
      qrs[i] = new Promise((resolve) => (shown = resolve));
      return within(a.open((qr) => {
        firstQrMs.push(performance.now() - t0);
        shown(qr);
      }), 'bare open');
    });
    codes = await within(Promise.all(qrs), 'every first QR');
  }, 'floor-first-qr');
  const toOpen = await cpuMs(async () => {
    await Promise.all(codes.map((qr, i) => sim.scan(qr, phoneNumber(1, i))));
    await Promise.all(opened);
  }, 'floor-onboarding');
  const onboarding = toQr + toOpen;
  await new Promise((r) => setTimeout(r, 5000)); // post-open queries settle
  const idle = await gcRss();
  for (const a of accounts) a.close();
  const login = async (label: string) => {
    const ms = await cpuMs(async () => {
      await Promise.all(accounts.map((a) => within(a.open(), 'bare login')));
    }, label);
    return round(ms / n);
  };
  return {
    rssPerSessionMB: mb((idle - baseline) / n),
    cpuMsPerOnboarding: round(onboarding / n),
    cpuMsToFirstQr: round(toQr / n),
    firstQrMs: summarize(firstQrMs),
    login,
    logout: async () => accounts.forEach((a) => a.close()),
    inbound: async () => {
      await login('floor-login-for-inbound');
      const result = await measureInbound(1, accounts.map((_, i) => phoneNumber(1, i)), (onText) => accounts.forEach((a) => a.listen(onText)), sim, 'floor-inbound');
      for (const a of accounts) a.close();
      return result;
    },
    close: async () => accounts.forEach((a) => a.close()),
  };
}

async function productSide(n: number, warmup: number, sim: SimulatorProcess): Promise<Side & { restart(): Promise<number>; database: string }> {
  const { createApp, loadConfig, createRootLogger, DomainEvents } = await loadAppModules();
  const database = await openBenchDatabase('bench_floor');
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  const config = loadConfig({
    NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', DATABASE_URL: database.url!,
    SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: randomUUID() + randomUUID(), WA_SERVER_URL: sim.url, WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX, WA_QR_TIMEOUT_MS: '60000',
    MAX_SESSIONS_PER_TENANT: String(n + warmup + 10), // one tenant holds every benchmark session
    ...(process.env.WA_NATIVE_CRYPTO ? { WA_NATIVE_CRYPTO: process.env.WA_NATIVE_CRYPTO } : {}),
    ...(process.env.DATABASE_PREPARED_STATEMENTS ? { DATABASE_PREPARED_STATEMENTS: process.env.DATABASE_PREPARED_STATEMENTS } : {}),
  });
  const { app } = await createApp(config, createRootLogger('error'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const events = app.get(DomainEvents);
  const post = (path: string, body: unknown, token?: string) => postJson(baseUrl, path, body, token);
  await post('/users', { email: 'floor@example.com', password: 'bench-password-1', name: 'Floor' });
  const token = (await post('/auth/login', { email: 'floor@example.com', password: 'bench-password-1' })).accessToken as string;

  const qrWaiters = new Map<string, (qr: string) => void>();
  const early = new Map<string, string>();
  // When each session's first QR was committed (its POST may answer after it: they answer together).
  const firstQrAt = new Map<string, number>();
  const connectedWaiters = new Map<string, () => void>();
  events.onCommit('session.qr.updated', (e) => {
    if (!firstQrAt.has(e.sessionId)) firstQrAt.set(e.sessionId, performance.now());
    const waiter = qrWaiters.get(e.sessionId);
    if (waiter) waiter(e.payload.qrText);
    else if (!early.has(e.sessionId)) early.set(e.sessionId, e.payload.qrText);
  });
  events.onCommit('session.status.changed', (e) => {
    if (e.payload.status === 'connected') connectedWaiters.get(e.sessionId)?.();
  });
  const connected = (id: string) => within(new Promise<void>((resolve) => connectedWaiters.set(id, resolve)), 'product connected');

  // The requests come from a child process (http-client-process.ts), as real callers' do.
  const client = await HttpClientProcess.start();
  const postAll = (paths: string[]) => client.postAll(baseUrl, paths.map((path) => ({ path, body: {} })), token);
  /** `count` sessions requested at once; `measure` (CPU ms of a step) wraps the burst up to every first QR, then the scans. */
  const onboard = async (count: number, phase: number, ids: string[], firstQrMs: number[] = [], measure = async (_: string, step: () => Promise<void>) => {
    await step();
    return 0;
  }) => {
    const t0 = performance.now();
    let opened: Array<Promise<void>> = [];
    let codes: string[] = [];
    const toQr = await measure('product-first-qr', async () => {
      const created = (await postAll(Array.from({ length: count }, () => '/sessions'))).map((r) => r.id as string);
      ids.push(...created);
      opened = created.map(connected);
      codes = await Promise.all(created.map((id) => early.get(id) ?? within(new Promise<string>((resolve) => qrWaiters.set(id, resolve)), 'first QR')));
      firstQrMs.push(...created.map((id) => firstQrAt.get(id)! - t0));
    });
    const toOpen = await measure('product-onboarding', async () => {
      await Promise.all(codes.map((qr, i) => sim.scan(qr, phoneNumber(phase, i))));
      await Promise.all(opened);
    });
    return { toQr, onboarding: toQr + toOpen };
  };
  const restart = async (ids: string[]) => {
    const opened = ids.map(connected);
    await postAll(ids.map((id) => `/sessions/${id}/restart`));
    await Promise.all(opened);
  };
  const stop = (ids: string[]) => postAll(ids.map((id) => `/sessions/${id}/stop`));
  // Unmeasured warm-up sessions, as for the floor.
  const warm: string[] = [];
  await onboard(warmup, 4, warm);
  await stop(warm);
  await restart(warm);
  await restart(warm);

  const baseline = await gcRss();
  const ids: string[] = [];
  const firstQrMs: number[] = [];
  const { toQr, onboarding } = await onboard(n, 2, ids, firstQrMs, (label, step) => cpuMs(step, label));
  await new Promise((r) => setTimeout(r, 5000));
  const idle = await gcRss();
  await stop(ids);
  return {
    database: database.kind,
    rssPerSessionMB: mb((idle - baseline) / n),
    cpuMsPerOnboarding: round(onboarding / n),
    cpuMsToFirstQr: round(toQr / n),
    firstQrMs: summarize(firstQrMs),
    // A login, as the floor's: the socket closed first (`logout`, outside the measure), then opened again.
    login: async (label) => round((await cpuMs(() => restart(ids).then(() => undefined), label)) / n),
    logout: () => stop(ids).then(() => undefined),
    // POST /sessions/:id/restart of a running session: its socket closed and opened again (no floor counterpart).
    restart: async () => {
      await restart(ids);
      return round((await cpuMs(() => restart(ids).then(() => undefined), 'product-restart')) / n);
    },
    inbound: () => measureInbound(2, ids.map((_, i) => phoneNumber(2, i)), (onText) => events.onCommit('session.messages.upsert', (e) => {
      for (const m of e.payload.messages) if (m.text) onText(m.text);
    }), sim, 'product-inbound'),
    close: async () => {
      await client.stop();
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: '100' }, warmup: { type: 'string', default: '3' }, rounds: { type: 'string', default: '5' }, profile: { type: 'string' },
      inbound: { type: 'string', default: '0' }, 'inbound-sessions': { type: 'string', default: '10' }, contacts: { type: 'string', default: '5' },
    },
    allowPositionals: true,
  });
  inboundOpts = { messages: Number(values.inbound), sessions: Number(values['inbound-sessions']), contacts: Number(values.contacts) };
  profileDir = values.profile;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const n = Number(values.sessions);
  if (!(n > 0)) throw new Error('--sessions must be a positive number');
  if (!(globalThis as { gc?: unknown }).gc) throw new Error('run with --expose-gc (npm run bench:floor does)');
  const nativeCrypto = !/^(false|0|no|off)$/i.test(process.env.WA_NATIVE_CRYPTO ?? 'true');
  useNativeCurve(nativeCrypto);
  // The raw sockets of the floor side check the simulator's chain as the product's do.
  trustNoiseRoot(SIMULATOR_ROOT_KEY.public);

  const sim = await SimulatorProcess.start();
  const warmup = Number(values.warmup);
  const rounds = Number(values.rounds);
  if (!(rounds > 0)) throw new Error('--rounds must be a positive number');
  const floor = await floorSide(n, warmup, sim);
  const product = await productSide(n, warmup, sim);
  // Logins in alternating rounds, floor then product: both sides see the machine as it is at the
  // moment (on a shared machine the same code's CPU time moves by up to 40% between minutes).
  const logins = { floor: [] as number[], product: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const tag = rounds > 1 ? `-${r + 1}` : '';
    logins.floor.push(await floor.login(`floor-login${tag}`));
    await floor.logout();
    logins.product.push(await product.login(`product-login${tag}`));
    await product.logout();
  }
  const cpuMsPerRestart = await product.restart();
  const productInbound = await product.inbound();
  await product.close();
  const floorInbound = await floor.inbound();
  await floor.close();
  await sim.stop();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const loginRatios = logins.floor.map((f, i) => round(logins.product[i]! / f));
  console.log(JSON.stringify({
    sessions: n,
    warmup,
    rounds,
    crypto: nativeCrypto ? 'native (WA_NATIVE_CRYPTO=true)' : 'libsignal JavaScript (WA_NATIVE_CRYPTO=false)',
    database: product.database,
    preparedStatements: process.env.DATABASE_PREPARED_STATEMENTS !== 'false',
    floor: { rssPerSessionMB: floor.rssPerSessionMB, cpuMsPerOnboarding: floor.cpuMsPerOnboarding, cpuMsToFirstQr: floor.cpuMsToFirstQr, firstQrMs: floor.firstQrMs, cpuMsPerLogin: median(logins.floor), cpuMsPerLoginByRound: logins.floor, inbound: floorInbound },
    product: {
      rssPerSessionMB: product.rssPerSessionMB, cpuMsPerOnboarding: product.cpuMsPerOnboarding, cpuMsToFirstQr: product.cpuMsToFirstQr, firstQrMs: product.firstQrMs, cpuMsPerLogin: median(logins.product), cpuMsPerLoginByRound: logins.product,
      cpuMsPerRestart, inbound: productInbound,
    },
    productOverFloor: {
      rssPerSession: round(product.rssPerSessionMB / floor.rssPerSessionMB),
      cpuPerOnboarding: round(product.cpuMsPerOnboarding / floor.cpuMsPerOnboarding),
      cpuToFirstQr: round(product.cpuMsToFirstQr / floor.cpuMsToFirstQr),
      // The median of the rounds' ratios (each round's floor and product measured back to back).
      cpuPerLogin: median(loginRatios),
      cpuPerLoginByRound: loginRatios,
      ...(floorInbound && productInbound ? { cpuPerInboundMessage: round(productInbound.cpuMsPerMessage / floorInbound.cpuMsPerMessage) } : {}),
    },
    target: 1.5,
  }, null, 2));
  // Baileys leaves a 30 s pre-key upload timer behind; nothing else is pending.
  process.exit(0);
}

await main();
