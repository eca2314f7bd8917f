/**
 * Revocations survive a restart on the same database: access tokens issued before a logout-all, a
 * password reset or the user's deletion (an admin's too, with its role) stay refused, on HTTP and
 * on a Socket.io handshake, for the rest of their lifetime; tokens issued after them still work.
 * A revoked API key stays refused too (its row says so). The refusals are stored in
 * `access_token_refusals`, one row per user, and loaded at boot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ADMIN_ENV } from '../support/admin-auth.js';
import { call, expectErrorShape, logIn, signUp, TestDb } from '../support/auth-helpers.js';
import { connectSocket, type RecordingSocket } from '../support/realtime-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

const ENV = { ...TEST_ADMIN_ENV };

describe('revocations after a restart on the same database', () => {
  let t: TestApp | undefined;
  let db: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('revocation_restart');
    dataDir = mkdtempSync(join(tmpdir(), 'wa-revocation-restart-'));
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await t?.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<TestApp> => (t = await startTestApp({ env: ENV, databaseUrl: db.url, dataDir }));

  /** A Socket.io client opened with `auth`, closed after the test. */
  function socket(app: TestApp, auth: { token?: string; extraHeaders?: Record<string, string> }): RecordingSocket {
    const opened = connectSocket(app, auth.token ? { auth: { token: auth.token } } : { extraHeaders: auth.extraHeaders });
    sockets.push(opened);
    return opened;
  }

  it('keeps refusing the access tokens of logout-all, password reset and user deletion, and a revoked API key; later tokens work', async () => {
    const before = await start();
    const admin = (await logIn(before, TEST_ADMIN_ENV.ADMIN_EMAIL, TEST_ADMIN_ENV.ADMIN_PASSWORD)).accessToken;

    // Logout-all: the old token is refused, a login after it is not.
    const alice = await signUp(before);
    const aliceOld = (await logIn(before, alice.email)).accessToken;
    expect((await call(before, 'POST', '/auth/logout-all', { token: aliceOld })).status).toBe(204);
    const aliceNew = (await logIn(before, alice.email)).accessToken;

    // Password reset.
    const bob = await signUp(before);
    const bobOld = (await logIn(before, bob.email)).accessToken;
    expect((await call(before, 'POST', '/auth/password-reset', { body: { email: bob.email } })).status).toBe(202);
    const sql = await TestDb.connect(before);
    const resetToken = await sql.latestMailToken(bob.email, 'password_reset');
    expect((await call(before, 'POST', '/auth/password-reset/confirm', { body: { token: resetToken, password: 'Another-Secure-456!' } })).status).toBe(204);
    const bobNew = (await logIn(before, bob.email, 'Another-Secure-456!')).accessToken;

    // A deleted admin: its token carried the admin role.
    const carol = await signUp(before);
    await sql.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [carol.id]);
    const carolOld = (await logIn(before, carol.email)).accessToken;
    expect((await call(before, 'GET', '/api-keys', { token: carolOld })).status).toBe(200);
    expect((await call(before, 'DELETE', `/users/${carol.id}`, { token: admin })).status).toBe(204);

    // A revoked API key.
    const { body: key } = await call(before, 'POST', '/api-keys', { token: admin, body: { name: 'revoked-before-restart' } });
    expect((await call(before, 'DELETE', `/api-keys/${key.id as string}`, { token: admin })).status).toBe(204);
    const keyHeaders = { 'x-api-key': key.key as string, 'x-user-id': alice.id };

    // One row per user, the refusal's instant and its expiry one access-token lifetime later.
    const rows = await sql.query<{ user_id: string; ms: string; ttl: string }>(
      `SELECT user_id::text, not_before_ms::text AS ms, (extract(epoch FROM expires_at) * 1000 - not_before_ms)::bigint::text AS ttl FROM access_token_refusals ORDER BY user_id`,
    );
    await sql.close();
    expect(rows.map((r) => r.user_id)).toEqual([alice.id, bob.id, carol.id].sort());
    for (const row of rows) expect(Number(row.ttl)).toBe(before.config.auth.accessTtlSeconds * 1000);

    await before.close();
    const after = await start();

    for (const old of [aliceOld, bobOld, carolOld]) {
      expectErrorShape(await call(after, 'GET', '/users/me', { token: old }), 401, 'UNAUTHORIZED');
      expect(await socket(after, { token: old }).next('unauthorized')).toMatchObject({ code: 'UNAUTHORIZED', message: 'Access token revoked' });
    }
    // The deleted admin's role is gone with it.
    expectErrorShape(await call(after, 'GET', '/api-keys', { token: carolOld }), 401, 'UNAUTHORIZED');
    expectErrorShape(await call(after, 'GET', '/users/me', { headers: keyHeaders }), 401, 'UNAUTHORIZED');
    expect(await socket(after, { extraHeaders: keyHeaders }).next('unauthorized')).toMatchObject({ code: 'UNAUTHORIZED' });

    for (const [fresh, id] of [[aliceNew, alice.id], [bobNew, bob.id]]) {
      const me = await call(after, 'GET', '/users/me', { token: fresh });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id });
      expect(await socket(after, { token: fresh }).next('authenticated')).toMatchObject({ success: true });
    }
  });
});
