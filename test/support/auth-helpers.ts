/** HTTP and database helpers for the auth e2e specs. */
import { createHmac } from 'node:crypto';
import pg from 'pg';
import type { TestApp } from './test-app.js';

/** A JSON body as the tests read it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Json;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as-is (for malformed JSON); implies content-type application/json unless given. */
  rawBody?: string;
  headers?: Record<string, string>;
  token?: string;
}

export async function call(t: TestApp, method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${t.baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: Json = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export function refreshCookieOf(res: ApiResponse): string | undefined {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('refresh_token='));
  if (!cookie) return undefined;
  const value = cookie.slice('refresh_token='.length).split(';')[0];
  return value === '' ? undefined : decodeURIComponent(value);
}

export function expectErrorShape(res: ApiResponse, status: number, code?: string): void {
  expect({ status: res.status, body: res.body }).toMatchObject({
    status,
    body: { success: false, error: { code: code ?? expect.any(String), message: expect.any(String) }, requestId: expect.any(String) },
  });
  // Seed 001's helper reads `result.message`.
  expect(res.body.message).toBe(res.body.error.message);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

let counter = 0;
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}.${process.pid}.${Date.now()}.${counter}@example.com`;
}

export const PASSWORD = 'SuperSecure123!';

export interface SignedUp {
  id: string;
  tenantId: string;
  email: string;
  password: string;
}

export async function signUp(t: TestApp, overrides: { email?: string; password?: string; name?: string } = {}): Promise<SignedUp> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? PASSWORD;
  const res = await call(t, 'POST', '/users', { body: { email, password, name: overrides.name ?? 'Test User' } });
  expect(res.status).toBe(201);
  return { id: res.body.id, tenantId: res.body.tenantId, email, password };
}

export interface LoggedIn {
  accessToken: string;
  refreshToken: string;
  body: Json;
}

export async function logIn(t: TestApp, email: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<LoggedIn> {
  const res = await call(t, 'POST', '/auth/login', { body: { email, password }, headers });
  expect(res.status).toBe(200);
  const refreshToken = refreshCookieOf(res);
  expect(refreshToken).toBeDefined();
  return { accessToken: res.body.accessToken, refreshToken: refreshToken!, body: res.body };
}

/** The refresh endpoint as a browser uses it (cookie). */
export function refreshWithCookie(t: TestApp, refreshToken: string): Promise<ApiResponse> {
  return call(t, 'POST', '/auth/refresh', { headers: { cookie: `refresh_token=${encodeURIComponent(refreshToken)}` } });
}

/** A direct connection to the app's database, to read the mail outbox and count rows. */
export class TestDb {
  private constructor(private readonly client: pg.Client) {}

  static async connect(t: TestApp): Promise<TestDb> {
    if (!t.databaseUrl) throw new Error('the test app has no database URL');
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    return new TestDb(client);
  }

  async query<T extends pg.QueryResultRow = Json>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query<T>(sql, params)).rows;
  }

  async count(table: string): Promise<number> {
    const [row] = await this.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table}"`);
    return Number(row.n);
  }

  async counts(tables: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of tables) out[table] = await this.count(table);
    return out;
  }

  /** The token in the newest mail of `purpose` to `email`. */
  async latestMailToken(email: string, purpose: 'verify_email' | 'password_reset'): Promise<string> {
    const rows = await this.query<{ body_text: string }>(
      `SELECT body_text FROM mails WHERE lower(recipient) = lower($1) AND purpose = $2 ORDER BY created_at DESC LIMIT 1`,
      [email, purpose],
    );
    if (rows.length === 0) throw new Error(`no ${purpose} mail to ${email}`);
    const match = /[?&]token=([^&\s]+)/.exec(rows[0].body_text);
    if (!match) throw new Error('no token in the mail');
    return decodeURIComponent(match[1]);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** An HS256 JWT signed with `secret`, built by hand so tests can craft expired or odd tokens. */
export function craftJwt(payload: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${enc(header)}.${enc(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export function decodeJwt(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
