/**
 * Test helpers around a raw Baileys socket pointed at the simulator: records every event so tests
 * can wait for things that may already have happened, and offers "pair" and "connect and wait for
 * open" in one call. Reusable by the app's e2e tests.
 */
import makeWASocket, { type BaileysEventMap, type ConnectionState, type UserFacingSocketConfig, type WASocket } from '@whiskeysockets/baileys';
import pino from 'pino';
import type { WhatsAppSimulator } from '../simulator.js';
import type { PairedDevice, ScanOptions } from '../types.js';
import { createMemoryAuthState, type MemoryAuthState } from './auth-state.js';

type EventName = keyof BaileysEventMap;

export interface TestClientOptions {
  /** Auth state to use (default: a fresh in-memory one). */
  auth?: MemoryAuthState;
  /** Extra/overriding `makeWASocket` options (qrTimeout, keepAliveIntervalMs, ...). */
  config?: Partial<UserFacingSocketConfig>;
}

const silent = pino({ level: 'silent' });

/** Status code of a `connection: 'close'` update (Boom's output.statusCode). */
export function closeCodeOf(update: Partial<ConnectionState>): number | undefined {
  const err = update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined;
  return err?.output?.statusCode;
}

export class TestClient {
  readonly sock: WASocket;
  readonly auth: MemoryAuthState;
  private readonly history = new Map<EventName, unknown[]>();
  private readonly waiters = new Set<{ event: EventName; check: (payload: unknown) => boolean }>();
  private closed = false;

  constructor(url: string, opts: TestClientOptions = {}) {
    this.auth = opts.auth ?? createMemoryAuthState();
    this.sock = makeWASocket({
      waWebSocketUrl: url,
      auth: this.auth.state,
      logger: silent,
      browser: ['Simulator', 'Chrome', '1.0.0'],
      markOnlineOnConnect: false,
      ...opts.config,
    });
    const record = <E extends EventName>(event: E): void => {
      this.sock.ev.on(event, (payload) => {
        let list = this.history.get(event);
        if (!list) this.history.set(event, (list = []));
        list.push(payload);
        for (const w of [...this.waiters]) if (w.event === event) w.check(payload);
      });
    };
    for (const e of ['connection.update', 'creds.update', 'messages.upsert', 'messages.update', 'messages.reaction', 'presence.update'] as const) record(e);
    for (const e of ['messaging-history.set', 'messaging-history.status', 'contacts.upsert', 'chats.update'] as const) record(e);
    for (const e of ['groups.update', 'groups.upsert', 'group-participants.update', 'message-receipt.update'] as const) record(e);
    for (const e of ['contacts.update', 'blocklist.update', 'chats.delete', 'call'] as const) record(e);
    this.sock.ev.on('creds.update', (u) => this.auth.saveCreds(u));
    this.sock.ev.on('connection.update', (u) => {
      if (u.connection === 'close') this.closed = true;
    });
  }

  events<E extends EventName>(event: E): BaileysEventMap[E][] {
    return (this.history.get(event) ?? []) as BaileysEventMap[E][];
  }

  /** Resolves with the first `event` payload (past or future) matching `predicate`. */
  waitForEvent<E extends EventName>(event: E, predicate: (p: BaileysEventMap[E]) => boolean, timeoutMs = 15_000): Promise<BaileysEventMap[E]> {
    const past = this.events(event).find(predicate);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const waiter = {
        event: event as EventName,
        check: (payload: unknown): boolean => {
          if (!predicate(payload as BaileysEventMap[E])) return false;
          done();
          resolve(payload as BaileysEventMap[E]);
          return true;
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for Baileys event '${event}'`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  waitForConnection(predicate: (u: Partial<ConnectionState>) => boolean, timeoutMs?: number): Promise<Partial<ConnectionState>> {
    return this.waitForEvent('connection.update', predicate, timeoutMs);
  }

  /** The n-th QR string (1-based) the client showed. */
  async waitForQr(n = 1, timeoutMs?: number): Promise<string> {
    let seen = 0;
    const update = await this.waitForConnection((u) => !!u.qr && ++seen === n, timeoutMs);
    return update.qr!;
  }

  waitForOpen(timeoutMs?: number): Promise<Partial<ConnectionState>> {
    return this.waitForConnection((u) => u.connection === 'open', timeoutMs);
  }

  /** Resolves with the close status code (e.g. 515, 401, 408, 428, 440). */
  async waitForClose(timeoutMs?: number): Promise<number | undefined> {
    return closeCodeOf(await this.waitForConnection((u) => u.connection === 'close', timeoutMs));
  }

  /**
   * Ends the socket (if still open) and waits until Baileys reports the close. Baileys' `end()` drops
   * its own 'close' listeners, so queries still in flight would each keep a 60 s timer alive; an
   * 'error' on the closed socket settles them at once.
   */
  async end(): Promise<void> {
    if (!this.closed) {
      const closed = this.waitForClose(5_000).catch(() => undefined);
      await this.sock.end(undefined);
      await closed;
    }
    this.sock.ws.emit('error', new Error('test client ended'));
  }
}

/** New client → first QR → phone scans → 515 close. Returns the auth state (with `me`) and the device. */
export async function pairNewSession(
  sim: WhatsAppSimulator,
  scan: ScanOptions,
  opts: TestClientOptions = {},
): Promise<{ auth: MemoryAuthState; device: PairedDevice; qr: string }> {
  const client = new TestClient(sim.url, opts);
  try {
    const qr = await client.waitForQr();
    const device = await sim.scanQr(qr, scan);
    const code = await client.waitForClose();
    if (code !== 515) throw new Error(`expected 515 after pairing, got ${String(code)}`);
    return { auth: client.auth, device, qr };
  } finally {
    await client.end();
  }
}

/** Connects with saved credentials and waits for `connection: 'open'`. */
export async function connectAndWaitForOpen(url: string, auth: MemoryAuthState, opts: Omit<TestClientOptions, 'auth'> = {}, timeoutMs = 20_000): Promise<TestClient> {
  const client = new TestClient(url, { ...opts, auth });
  try {
    await client.waitForOpen(timeoutMs);
  } catch (err) {
    await client.end();
    throw err;
  }
  return client;
}

/** Pair a new session for `scan.phoneNumber` and open it: the usual start of a messaging test. */
export async function pairAndOpen(sim: WhatsAppSimulator, scan: ScanOptions, opts: Omit<TestClientOptions, 'auth'> = {}): Promise<{ client: TestClient; device: PairedDevice }> {
  const { auth, device } = await pairNewSession(sim, scan, opts);
  const client = await connectAndWaitForOpen(sim.url, auth, opts);
  return { client, device };
}
