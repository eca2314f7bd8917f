import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, logIn, PASSWORD, signUp, TestDb, uniqueEmail, type CallOptions } from '../support/auth-helpers.js';

const ADMIN_EMAIL = 'input-admin@example.com';
const ADMIN_PASSWORD = 'input-admin-password';
const TABLES = ['tenants', 'users', 'refresh_tokens', 'email_tokens', 'mails', 'api_keys', 'login_failures'];
const HUGE = 'x'.repeat(100_000);

interface Endpoint {
  method: string;
  path: string;
  valid: Record<string, unknown>;
  /** Fields that may be omitted. */
  optional?: string[];
  admin?: boolean;
}

describe('auth: bad input is a 4xx in the error shape and writes nothing', () => {
  let t: TestApp;
  let db: TestDb;
  let adminToken: string;
  let userId: string;

  const endpoints: () => Endpoint[] = () => [
    { method: 'POST', path: '/users', valid: { email: uniqueEmail('input'), password: PASSWORD, name: 'Input' } },
    { method: 'POST', path: `/users/${userId}/verify`, valid: { token: 'a'.repeat(20) } },
    { method: 'POST', path: '/auth/login', valid: { email: uniqueEmail('input'), password: PASSWORD } },
    { method: 'POST', path: '/auth/refresh', valid: { refreshToken: 'x' }, optional: ['refreshToken'] },
    { method: 'POST', path: '/auth/logout', valid: { refreshToken: 'x' }, optional: ['refreshToken'] },
    { method: 'POST', path: '/auth/resend-verification', valid: { email: uniqueEmail('input') } },
    { method: 'POST', path: '/auth/password-reset', valid: { email: uniqueEmail('input') } },
    { method: 'POST', path: '/auth/password-reset/confirm', valid: { token: 'a'.repeat(20), password: PASSWORD } },
    { method: 'POST', path: '/api-keys', valid: { name: 'input-key' }, admin: true },
  ];

  async function expectRejected(label: string, e: Endpoint, options: CallOptions, status?: number): Promise<void> {
    const before = await db.counts(TABLES);
    const res = await call(t, e.method, e.path, { ...options, token: e.admin ? adminToken : undefined });
    expect({ label, path: e.path, status: res.status >= 400 && res.status < 500 }).toEqual({ label, path: e.path, status: true });
    if (status !== undefined) expect({ label, path: e.path, status: res.status }).toEqual({ label, path: e.path, status });
    expectErrorShape(res, res.status);
    expect({ label, path: e.path, counts: await db.counts(TABLES) }).toEqual({ label, path: e.path, counts: before });
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    db = await TestDb.connect(t);
    adminToken = (await logIn(t, ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken;
    userId = (await signUp(t)).id;
  });
  afterAll(async () => {
    await db.close();
    await t.close({ drop: true });
  });

  it('malformed JSON', async () => {
    for (const e of endpoints()) await expectRejected('malformed', e, { rawBody: '{"email": "a@b.c",' }, 400);
  });

  it('a body that is not an object (array, string, number, null)', async () => {
    for (const e of endpoints()) {
      for (const raw of ['[]', `[${JSON.stringify(e.valid)}]`, '"text"', '42', 'null', 'true']) {
        // A JSON null is "no body": fine where every field is optional (refresh, logout read the cookie).
        if (raw === 'null' && e.optional?.length === Object.keys(e.valid).length) continue;
        await expectRejected(`non-object ${raw.slice(0, 10)}`, e, { rawBody: raw }, 400);
      }
    }
  });

  it('unsupported content types', async () => {
    for (const e of endpoints()) {
      await expectRejected('text/plain', e, { rawBody: JSON.stringify(e.valid), headers: { 'content-type': 'text/plain' } });
      await expectRejected('form', e, { rawBody: 'email=a%40b.c', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    }
  });

  it('missing fields', async () => {
    for (const e of endpoints()) {
      for (const field of Object.keys(e.valid).filter((f) => !e.optional?.includes(f))) {
        const body = { ...e.valid };
        delete body[field];
        await expectRejected(`missing ${field}`, e, { body }, 400);
      }
    }
  });

  it('extra fields, including attempts to set server-owned ones', async () => {
    for (const e of endpoints()) {
      for (const extra of [{ role: 'admin' }, { tenantId: '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12' }, { emailVerified: true }, { __proto__x: 1 }]) {
        await expectRejected(`extra ${Object.keys(extra)[0]}`, e, { body: { ...e.valid, ...extra } }, 400);
      }
    }
  });

  it('wrong types', async () => {
    for (const e of endpoints()) {
      for (const field of Object.keys(e.valid)) {
        for (const value of [12345678901, true, { nested: 'x' }, ['a', 'b'], null]) {
          if (value === null && e.optional?.includes(field)) continue; // null = omitted for optional fields
          await expectRejected(`${field}=${JSON.stringify(value)}`, e, { body: { ...e.valid, [field]: value } }, 400);
        }
      }
    }
  });

  it('huge strings, empty strings and malformed e-mails', async () => {
    for (const e of endpoints()) {
      for (const field of Object.keys(e.valid)) {
        await expectRejected(`huge ${field}`, e, { body: { ...e.valid, [field]: HUGE } }, 400);
        if (!e.optional?.includes(field)) await expectRejected(`empty ${field}`, e, { body: { ...e.valid, [field]: '' } }, 400);
      }
      if ('email' in e.valid) {
        for (const email of ['not-an-email', 'a@', '@b.com', 'a b@c.com', `${'a'.repeat(250)}@example.com`]) {
          await expectRejected(`email ${email.slice(0, 12)}`, e, { body: { ...e.valid, email } }, 400);
        }
      }
    }
  });

  it('a body above the size limit', async () => {
    for (const e of endpoints()) {
      await expectRejected('too large', e, { body: { ...e.valid, pad: 'y'.repeat(t.config.http.bodyLimit + 1) } }, 413);
    }
  });

  it('bad path and query parameters', async () => {
    const admin = { admin: true, valid: {} };
    await expectRejected('verify id', { method: 'POST', path: '/users/not-a-uuid/verify', valid: {} }, { body: { token: 'abc' } }, 400);
    await expectRejected('api key id', { ...admin, method: 'DELETE', path: '/api-keys/not-a-uuid' }, {}, 400);
    for (const q of ['limit=abc', 'limit=0', 'limit=100000', 'offset=-1', 'tenantId=nope', 'unknown=1']) {
      await expectRejected(`users ?${q}`, { ...admin, method: 'GET', path: `/users?${q}` }, {}, 400);
    }
  });

  it('names the offending fields in details', async () => {
    const res = await call(t, 'POST', '/users', { body: { email: 'nope', password: 5, name: '', extra: 1 } });
    expectErrorShape(res, 400, 'VALIDATION_ERROR');
    const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(['email', 'extra', 'name', 'password']);
  });
});
