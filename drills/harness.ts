/**
 * What every crash drill stands on: a real Postgres database, the app in a child process
 * (test/support/app-process.ts, so that it can be SIGKILLed), the WhatsApp simulator in this
 * process counting what each session was sent and acknowledged, and a stand-in backend receiving
 * the callbacks. An app started after a crash serves the next drill too (it has recovered).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { proto, unpadRandomMax16 } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../src/simulator/simulator.js';
import type { ScanOptions } from '../src/simulator/types.js';
import { CallbackReceiver } from '../test/support/callback-receiver.js';
import { postJson, startAppProcess, type AppProcess } from '../test/support/app-process-runner.js';
import { pairOn, signUpOn } from '../test/support/app-process-session.js';

const JWT_SECRET = 'drill-secret-drill-secret-drill-secret-01';
const EMAIL = 'drill@example.com';
const PASSWORD = 'drill-password-1';

/** What the simulator saw of one session's account: messages handed to it, and its receipts. */
export class SessionTracker {
  /** Message id → text, for every contact message handed to the session's devices. */
  readonly sent = new Map<string, string>();
  readonly acked = new Set<string>();
  private readonly stops: Array<() => void>;

  constructor(sim: WhatsAppSimulator, readonly phone: string) {
    this.stops = [
      sim.on('inbound', (m) => {
        if (m.to !== phone) return;
        this.sent.set(m.id, m.text);
      }),
      sim.on('receipt', (r) => r.phoneNumber === phone && r.messageIds.forEach((id) => this.acked.add(id))),
    ];
  }

  stop(): void {
    for (const s of this.stops) s();
  }
}

export class DrillHarness {
  app?: AppProcess;
  private token?: string;
  private signedUp = false;

  private constructor(
    readonly databaseUrl: string,
    readonly sim: WhatsAppSimulator,
    readonly receiver: CallbackReceiver,
    readonly pool: pg.Pool,
    private readonly dataDir: string,
    private readonly built: boolean,
    private readonly mediaCaFile: string,
  ) {}

  /** `built`: run dist/ (`npm run build` first), which restarts several times faster than src/. */
  static async start(databaseUrl: string, opts: { built?: boolean } = {}): Promise<DrillHarness> {
    const receiver = await CallbackReceiver.start({});
    // As WhatsApp does, the simulator sends a message again until the session acknowledges it, and
    // the own phone encrypts its history notifications (so they take the journaled decryption path).
    const sim = await WhatsAppSimulator.start({ port: 0, initialPreKeyCount: 50, redeliverUnacked: true, encryptOwnPhone: true });
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    pool.on('error', () => undefined); // idle clients outlive a dropped database at the end
    // The app downloads inbound media from the simulator's media host, trusting its certificate
    // as a deployment trusts a private CA.
    const caFile = join(mkdtempSync(join(tmpdir(), 'wa-drill-ca-')), 'media-ca.pem');
    writeFileSync(caFile, sim.mediaTrust().ca);
    return new DrillHarness(databaseUrl, sim, receiver, pool, mkdtempSync(join(tmpdir(), 'wa-drill-')), opts.built ?? false, caFile);
  }

  /** The running app, or a new one (after a crash: the recovering instance). */
  async ensureApp(extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    if (this.app) return this.app;
    const app = await startAppProcess({
      DATABASE_URL: this.databaseUrl, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: this.dataDir,
      BACKEND_BASE_URL: this.receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', BACKEND_TIMEOUT: '5000', BACKEND_RETRIES: '50',
      WA_SERVER_URL: this.sim.url, DOWNLOAD_MEDIA: 'true', NODE_EXTRA_CA_CERTS: this.mediaCaFile, ...(this.built ? { APP_PROCESS_BUILT: '1' } : {}), ...extraEnv,
    });
    this.app = app;
    void app.exited.then(() => {
      if (this.app === app) this.app = undefined;
    });
    this.token = undefined;
    return app;
  }

  async accessToken(): Promise<string> {
    const app = await this.ensureApp();
    if (this.token) return this.token;
    if (!this.signedUp) {
      this.token = await signUpOn(app.baseUrl, EMAIL, PASSWORD);
      this.signedUp = true;
    } else {
      this.token = (await postJson(app.baseUrl, '/auth/login', { email: EMAIL, password: PASSWORD })).accessToken as string;
    }
    return this.token;
  }

  /** A new session on the running app, paired by `opts.phoneNumber`; resolves once it is open. */
  async pair(opts: ScanOptions): Promise<string> {
    const app = await this.ensureApp();
    return pairOn(app.baseUrl, await this.accessToken(), this.sim, opts);
  }

  /** Signals the app and resolves once it has exited (ms since the epoch at the signal). */
  async stopApp(signal: 'SIGKILL' | 'SIGTERM'): Promise<number> {
    const app = this.app;
    if (!app) throw new Error('no app is running');
    const at = Date.now();
    app.child.kill(signal);
    await app.exited;
    this.app = undefined;
    return at;
  }

  /** Stored messages of a session: WhatsApp id → rows (more than 1 would be a duplicate). */
  async stored(sessionId: string): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ wa_id: string; n: string }>(
      'SELECT wa_id, count(*)::text AS n FROM wa_messages WHERE session_id = $1 GROUP BY wa_id', [sessionId],
    );
    return new Map(rows.map((r) => [r.wa_id, Number(r.n)]));
  }

  /** Journal rows the session still holds (messages acknowledged, not yet fully committed). */
  async journalRows(sessionId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM wa_inbound_journal WHERE session_id = $1', [sessionId]);
    return Number(rows[0]!.n);
  }

  /** Ids and kinds of the journal rows a session still holds (what a drill leaves unreleased). */
  async journalLeft(sessionId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ message_id: string; plaintext: Buffer }>('SELECT message_id, plaintext FROM wa_inbound_journal WHERE session_id = $1', [sessionId]);
    return rows.map((r) => {
      const m = proto.Message.decode(unpadRandomMax16(r.plaintext));
      const inner = m.deviceSentMessage?.message ?? m;
      const protocol = inner.protocolMessage;
      return `${r.message_id}:${protocol ? `protocol ${protocol.type} ${JSON.stringify(protocol.historySyncNotification ? { s: protocol.historySyncNotification.syncType, c: protocol.historySyncNotification.chunkOrder, p: protocol.historySyncNotification.progress } : {})}` : Object.keys(inner).join(',')}`;
    });
  }

  /** messages/received callbacks of a session answered 2xx: text → the webhook-ids it came under, and the count of repeats. */
  calledBack(sessionId: string): { byText: Map<string, Set<string>>; deliveries: number } {
    const byText = new Map<string, Set<string>>();
    let deliveries = 0;
    for (const c of this.receiver.delivered) {
      if (!c.path.endsWith('/messages/received') || c.body.session_id !== sessionId) continue;
      deliveries++;
      const text = String(c.body.message_content);
      byText.set(text, (byText.get(text) ?? new Set()).add(String(c.headers['webhook-id'])));
    }
    return { byText, deliveries };
  }

  async close(): Promise<void> {
    if (this.app) {
      this.app.child.kill('SIGKILL');
      await this.app.exited;
    }
    await this.pool.end();
    await this.sim.stop();
    await this.receiver.close();
  }
}

/** Polls `check` until it holds or `timeoutMs` passes; resolves with whether it held. */
export async function settle(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
