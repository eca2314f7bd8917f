import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, craftJwt, expectErrorShape, logIn, signUp, TestDb, type SignedUp } from '../support/auth-helpers.js';

const ADMIN_EMAIL = 'ops-admin@example.com';
const ADMIN_PASSWORD = 'ops-admin-password-123';
const ADMIN_ENV = { ADMIN_EMAIL, ADMIN_PASSWORD };

describe('auth: admin, API keys, tenant isolation', () => {
  let t: TestApp;
  let db: TestDb;
  let adminToken: string;
  let adminId: string;
  let alice: SignedUp;
  let bob: SignedUp;
  let aliceToken: string;
  let bobToken: string;

  beforeAll(async () => {
    t = await startTestApp({ env: ADMIN_ENV });
    db = await TestDb.connect(t);
    const admin = await logIn(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    adminToken = admin.accessToken;
    adminId = admin.body.user.id;
    alice = await signUp(t, { name: 'Alice' });
    bob = await signUp(t, { name: 'Bob' });
    aliceToken = (await logIn(t, alice.email)).accessToken;
    bobToken = (await logIn(t, bob.email)).accessToken;
  });
  afterAll(async () => {
    await db.close();
    await t.close({ drop: true });
  });

  const createKey = async (name = 'main-backend'): Promise<string> => {
    const res = await call(t, 'POST', '/api-keys', { token: adminToken, body: { name } });
    expect(res.status).toBe(201);
    return res.body.key;
  };

  describe('the admin from ADMIN_EMAIL / ADMIN_PASSWORD', () => {
    it('exists with role admin, verified, in its own tenant', async () => {
      const me = await call(t, 'GET', '/users/me', { token: adminToken });
      expect(me.body).toMatchObject({ email: ADMIN_EMAIL, role: 'admin', emailVerified: true });
      expect([alice.tenantId, bob.tenantId]).not.toContain(me.body.tenantId);
    });

    it('is created once, even when instances boot at the same time and again later', async () => {
      const database = await createTestDatabase('admin_race');
      const first = await startTestApp({ databaseUrl: database.url }); // runs the migrations, no admin
      try {
        const racers = await Promise.all([0, 1, 2].map(() => startTestApp({ databaseUrl: database.url, env: ADMIN_ENV })));
        await Promise.all(racers.map((r) => r.close()));
        const restarted = await startTestApp({ databaseUrl: database.url, env: ADMIN_ENV });
        await restarted.close();
        const check = await TestDb.connect(first);
        try {
          const admins = await check.query(`SELECT role FROM users WHERE lower(email) = lower($1)`, [ADMIN_EMAIL]);
          expect(admins).toEqual([{ role: 'admin' }]);
          expect(await check.count('tenants')).toBe(1);
        } finally {
          await check.close();
        }
      } finally {
        await first.close();
        await database.drop();
      }
    });
  });

  describe('API keys', () => {
    it('admin creates a key, sees it once, and lists it without the secret', async () => {
      const res = await call(t, 'POST', '/api-keys', { token: adminToken, body: { name: 'listing-test' } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String), name: 'listing-test', prefix: expect.stringMatching(/^wao_[0-9a-f]{8}$/), createdBy: adminId,
        createdAt: expect.any(String), lastUsedAt: null, revokedAt: null, key: expect.stringMatching(/^wao_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/),
      });
      expect(res.body.key.startsWith(res.body.prefix)).toBe(true);
      const list = await call(t, 'GET', '/api-keys', { token: adminToken });
      expect(list.status).toBe(200);
      const listed = list.body.find((k: { id: string }) => k.id === res.body.id);
      expect(listed).toEqual({ ...res.body, key: undefined });
      expect(JSON.stringify(list.body)).not.toContain(res.body.key.split('.')[1]);
      const [row] = await db.query('SELECT key_hash FROM api_keys WHERE id = $1', [res.body.id]);
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('acts for the user named by x-user-id, ?userId= or a userId body field', async () => {
      const key = await createKey();
      const viaHeader = await call(t, 'GET', '/users/me', { headers: { 'x-api-key': key, 'x-user-id': alice.id } });
      expect(viaHeader.status).toBe(200);
      expect(viaHeader.body).toMatchObject({ id: alice.id, tenantId: alice.tenantId });
      const viaQuery = await call(t, 'GET', `/users/me?userId=${bob.id}`, { headers: { 'x-api-key': key } });
      expect(viaQuery.body).toMatchObject({ id: bob.id });
      // ?userId= is a credential, not a filter: list endpoints with strict query DTOs still accept it.
      const list = await call(t, 'GET', `/users?userId=${bob.id}`, { headers: { 'x-api-key': key } });
      expect(list.status).toBe(200);
      expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([bob.id]);
      // In a body, acting for the admin: the admin's role applies; the field is not passed on to the DTO.
      const viaBody = await call(t, 'POST', '/api-keys', { headers: { 'x-api-key': key }, body: { name: 'made-by-service', userId: adminId } });
      expect(viaBody.status).toBe(201);
      expect(viaBody.body.createdBy).toBe(adminId);
      const [row] = await db.query('SELECT last_used_at FROM api_keys WHERE prefix = $1', [key.slice(0, 12)]);
      expect(row.last_used_at).not.toBeNull();
    });

    it('needs a user id, an existing user, and a valid key', async () => {
      const key = await createKey();
      const noUser = await call(t, 'GET', '/users/me', { headers: { 'x-api-key': key } });
      expectErrorShape(noUser, 401, 'UNAUTHORIZED');
      expect(noUser.body.error.message).toMatch(/x-user-id/);
      expectErrorShape(await call(t, 'GET', '/users/me', { headers: { 'x-api-key': key, 'x-user-id': '00000000-0000-4000-8000-000000000000' } }), 401);
      expectErrorShape(await call(t, 'GET', '/users/me', { headers: { 'x-api-key': key, 'x-user-id': 'not-a-uuid' } }), 401);
      expectErrorShape(await call(t, 'GET', '/users/me', { headers: { 'x-api-key': 'wao_nonsense', 'x-user-id': alice.id } }), 401);
      const forged = `${key.split('.')[0]}.${'C'.repeat(43)}`;
      expectErrorShape(await call(t, 'GET', '/users/me', { headers: { 'x-api-key': forged, 'x-user-id': alice.id } }), 401);
    });

    it('a revoked key stops working at once', async () => {
      const created = await call(t, 'POST', '/api-keys', { token: adminToken, body: { name: 'to-revoke' } });
      const headers = { 'x-api-key': created.body.key, 'x-user-id': alice.id };
      expect((await call(t, 'GET', '/users/me', { headers })).status).toBe(200);
      expect((await call(t, 'DELETE', `/api-keys/${created.body.id}`, { token: adminToken })).status).toBe(204);
      expect((await call(t, 'DELETE', `/api-keys/${created.body.id}`, { token: adminToken })).status).toBe(204);
      const revoked = await call(t, 'GET', '/users/me', { headers });
      expectErrorShape(revoked, 401, 'UNAUTHORIZED');
      expect(revoked.body.error.message).toMatch(/revoked/);
      const list = await call(t, 'GET', '/api-keys', { token: adminToken });
      expect(list.body.find((k: { id: string }) => k.id === created.body.id).revokedAt).toEqual(expect.any(String));
      expectErrorShape(await call(t, 'DELETE', '/api-keys/00000000-0000-4000-8000-000000000000', { token: adminToken }), 404, 'NOT_FOUND');
    });

    it('is admin-only: users get 403, also when a key acts for a user', async () => {
      const before = await db.count('api_keys');
      expectErrorShape(await call(t, 'POST', '/api-keys', { token: aliceToken, body: { name: 'nope' } }), 403, 'FORBIDDEN');
      expectErrorShape(await call(t, 'GET', '/api-keys', { token: aliceToken }), 403, 'FORBIDDEN');
      expectErrorShape(await call(t, 'DELETE', '/api-keys/00000000-0000-4000-8000-000000000000', { token: aliceToken }), 403, 'FORBIDDEN');
      const key = await createKey();
      expectErrorShape(await call(t, 'POST', '/api-keys', { headers: { 'x-api-key': key, 'x-user-id': alice.id }, body: { name: 'nope' } }), 403);
      expect(await db.count('api_keys')).toBe(before + 1);
      expectErrorShape(await call(t, 'GET', '/api-keys'), 401, 'UNAUTHORIZED');
    });

    it('x-user-id alone is not accepted unless AUTH_TRUST_USER_ID_HEADER=true', async () => {
      expectErrorShape(await call(t, 'GET', '/users/me', { headers: { 'x-user-id': alice.id } }), 401);
      expectErrorShape(await call(t, 'GET', `/users/me?userId=${alice.id}`), 401);
    });
  });

  describe('tenant isolation', () => {
    it('a user sees only itself and its tenant', async () => {
      const me = await call(t, 'GET', '/users/me', { token: bobToken });
      expect(me.body).toMatchObject({ id: bob.id, tenantId: bob.tenantId });
      const users = await call(t, 'GET', '/users', { token: bobToken });
      expect(users.status).toBe(200);
      expect(users.body).toMatchObject({ total: 1, items: [{ id: bob.id }] });
      const tenants = await call(t, 'GET', '/tenants', { token: bobToken });
      expect(tenants.body.items).toEqual([{ id: bob.tenantId, name: 'Bob', createdAt: expect.any(String) }]);
    });

    it('a user cannot ask for another tenant', async () => {
      const res = await call(t, 'GET', `/users?tenantId=${alice.tenantId}`, { token: bobToken });
      expectErrorShape(res, 403, 'FORBIDDEN');
      expect(JSON.stringify(res.body)).not.toContain(alice.email);
    });

    it('a token whose tenant claim does not match the user is refused', async () => {
      const now = Math.floor(Date.now() / 1000);
      const crossed = craftJwt({ sub: bob.id, tid: alice.tenantId, role: 'user', typ: 'access', iat: now, exp: now + 300 }, t.jwtSecret);
      expectErrorShape(await call(t, 'GET', '/users/me', { token: crossed }), 401);
    });

    it('an admin sees every tenant, or the one it names', async () => {
      const all = await call(t, 'GET', '/users?limit=200', { token: adminToken });
      const ids = all.body.items.map((u: { id: string }) => u.id);
      expect(ids).toEqual(expect.arrayContaining([alice.id, bob.id, adminId]));
      const onlyAlice = await call(t, 'GET', `/users?tenantId=${alice.tenantId}`, { token: adminToken });
      expect(onlyAlice.body.items.map((u: { id: string }) => u.id)).toEqual([alice.id]);
      const tenants = await call(t, 'GET', '/tenants', { token: adminToken });
      expect(tenants.body.items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([alice.tenantId, bob.tenantId]));
    });

    it('pages user lists', async () => {
      const page = await call(t, 'GET', '/users?limit=1&offset=1', { token: adminToken });
      expect(page.body).toMatchObject({ limit: 1, offset: 1 });
      expect(page.body.items).toHaveLength(1);
      expect(page.body.total).toBeGreaterThanOrEqual(3);
    });
  });
});

describe('auth: trusted user id mode (AUTH_TRUST_USER_ID_HEADER=true)', () => {
  let t: TestApp;
  let user: SignedUp;
  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_TRUST_USER_ID_HEADER: 'true' } });
    user = await signUp(t);
  });
  afterAll(async () => {
    await t.close({ drop: true });
  });

  it('accepts x-user-id or ?userId= alone', async () => {
    const viaHeader = await call(t, 'GET', '/users/me', { headers: { 'x-user-id': user.id } });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.id).toBe(user.id);
    const viaQuery = await call(t, 'GET', `/users?userId=${user.id}`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.body.items.map((u: { id: string }) => u.id)).toEqual([user.id]);
  });

  it('still refuses unknown or malformed ids, and no credentials at all', async () => {
    expectErrorShape(await call(t, 'GET', '/users/me', { headers: { 'x-user-id': '00000000-0000-4000-8000-000000000000' } }), 401);
    expectErrorShape(await call(t, 'GET', '/users/me', { headers: { 'x-user-id': "1' OR '1'='1" } }), 401);
    expectErrorShape(await call(t, 'GET', '/users/me'), 401);
  });

  it('does not let a bad bearer token fall back to the header', async () => {
    expectErrorShape(await call(t, 'GET', '/users/me', { token: 'garbage', headers: { 'x-user-id': user.id } }), 401);
  });
});
