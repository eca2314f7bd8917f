/**
 * A stand-in for the main backend (seeds 001/003): a real HTTP server on 127.0.0.1 whose four
 * handlers run seed 001's SQL against seed 001's `whatsapp_sessions` DDL in a real PostgreSQL
 * database, records every request, and can be told to fail, throttle or go down.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase } from './test-database.js';

export interface ReceivedCallback {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
  /** Date.now() when the request arrived. */
  at: number;
  /** What we answered. */
  status: number;
  signatureValid: boolean | null;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Answer this much later (a slow backend). */
  delayMs?: number;
}

/** Seed 001's DDL, verbatim, plus the messages table its handler inserts into. */
export const BACKEND_DDL = `
CREATE TYPE whatsapp_session_status AS ENUM ('connected','disconnected','connecting','error');

CREATE TABLE whatsapp_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id text UNIQUE NOT NULL,
    phone_number text UNIQUE NOT NULL,
    status whatsapp_session_status DEFAULT 'disconnected',
    last_seen timestamp with time zone,
    auth_folder_path text NOT NULL,
    server_port integer,
    whatsapp_user_id text,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE whatsapp_messages (
    id bigserial PRIMARY KEY,
    session_id text NOT NULL,
    sender_name text,
    sender_number text,
    content text,
    type text,
    received_at timestamp with time zone
);`;

export class CallbackReceiver {
  /** Every request that reached the receiver, in arrival order. */
  readonly requests: ReceivedCallback[] = [];
  /** Overrides the normal handling; return undefined to handle normally. */
  behaviour: ((cb: ReceivedCallback) => Reply | undefined) | undefined;
  private server: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];
  private readonly verifier: Webhook | null;

  private constructor(
    readonly db: pg.Pool | null,
    private readonly dropDb: (() => Promise<void>) | null,
    secret: string | undefined,
  ) {
    this.verifier = secret ? new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' }) : null;
    this.server = this.createHttpServer();
  }

  /** `backendDb`: run seed 001's handlers against a fresh database with its DDL. */
  static async start(opts: { secret?: string; backendDb?: boolean } = {}): Promise<CallbackReceiver> {
    let pool: pg.Pool | null = null;
    let drop: (() => Promise<void>) | null = null;
    if (opts.backendDb) {
      const db = await createTestDatabase('backend');
      pool = new pg.Pool({ connectionString: db.url, max: 8 });
      // A callback still being stored when the test ends sees its connection terminated by the drop.
      pool.on('error', () => undefined);
      await pool.query(BACKEND_DDL);
      drop = db.drop;
    }
    const receiver = new CallbackReceiver(pool, drop, opts.secret);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answered with 2xx. */
  get delivered(): ReceivedCallback[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Listens again (on the same port after `down()`). */
  async up(): Promise<void> {
    this.server = this.createHttpServer();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops listening: connections are refused until `up()`. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
    for (const w of this.waiters) w();
    await this.db?.end();
    await this.dropDb?.();
  }

  /** Resolves as soon as `predicate` holds (checked on every arrival); rejects after `timeoutMs`. */
  waitFor(predicate: (r: CallbackReceiver) => boolean, timeoutMs = 15_000, what = 'callbacks'): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.requests.length} requests so far)`));
      }, timeoutMs);
      this.waiters.push(check);
    });
  }

  private createHttpServer(): Server {
    const server = createServer((req, res) => {
      const at = Date.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const cb: ReceivedCallback = {
          path: req.url ?? '',
          headers: req.headers,
          raw,
          body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
          at,
          status: 0,
          signatureValid: this.verify(raw, req.headers),
        };
        void this.handle(cb).then((reply) => {
          cb.status = reply.status;
          this.requests.push(cb);
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          res.end(JSON.stringify({ success: reply.status < 300 }));
          for (const w of [...this.waiters]) w();
        });
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  private verify(raw: string, headers: IncomingHttpHeaders): boolean | null {
    if (!this.verifier) return null;
    try {
      this.verifier.verify(raw, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }

  private async handle(cb: ReceivedCallback): Promise<Reply> {
    const override = this.behaviour?.(cb);
    if (override?.delayMs) await new Promise((resolve) => setTimeout(resolve, override.delayMs));
    if (override) return override;
    if (!this.db) return { status: 200 };
    try {
      await this.backendHandler(cb.path, cb.body);
      return { status: 200 };
    } catch (err) {
      cb.body.__error = (err as Error).message;
      return { status: 500 };
    }
  }

  /** Seed 001's four handlers, with its SQL. */
  private async backendHandler(path: string, b: Record<string, unknown>): Promise<void> {
    const db = this.db as pg.Pool;
    switch (path) {
      case '/api/whatsapp/sessions/new-session-connected':
        await db.query(
          `INSERT INTO whatsapp_sessions (
            session_id, phone_number, status, last_seen,
            auth_folder_path, server_port, whatsapp_user_id,
            created_at, updated_at
          ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
          RETURNING *`,
          [b.session_id, b.phone_number, b.status, b.last_seen, b.auth_folder_path, b.server_port, b.whatsapp_user_id, b.created_at, b.updated_at],
        );
        return;
      case '/api/whatsapp/sessions/status-update':
        await db.query(
          `UPDATE whatsapp_sessions
           SET status = $1, last_seen = $2, updated_at = NOW()
           WHERE session_id = $3`,
          [b.status, b.last_seen, b.session_id],
        );
        return;
      case '/api/whatsapp/messages/received':
        await db.query(
          `INSERT INTO whatsapp_messages (
            session_id, sender_name, sender_number,
            content, type, received_at
          ) VALUES ($1, $2, $3, $4, $5, $6)`,
          [b.session_id, b.sender_name, b.sender_number, b.message_content, b.message_type, b.received_at],
        );
        return;
      case '/api/whatsapp/sessions/qr-update':
        return;
      default:
        throw new Error(`unknown path ${path}`);
    }
  }
}

/** Polls an async condition (for database-side facts the receiver cannot see). */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
