import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  call, craftJwt, decodeJwt, expectErrorShape, logIn, PASSWORD, refreshCookieOf, refreshWithCookie, signUp, TestDb, uniqueEmail,
} from '../support/auth-helpers.js';

describe('auth: accounts, login, refresh, logout, verification, password reset', () => {
  let t: TestApp;
  let db: TestDb;
  beforeAll(async () => {
    t = await startTestApp();
    db = await TestDb.connect(t);
  });
  afterAll(async () => {
    await db.close();
    await t.close({ drop: true });
  });

  describe('sign-up', () => {
    it('creates a tenant and its first user, and sends a verification mail', async () => {
      const email = uniqueEmail('ada');
      const res = await call(t, 'POST', '/users', { body: { email, password: PASSWORD, name: '  Ada Lovelace ' } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/), tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email, name: 'Ada Lovelace', role: 'user', emailVerified: false, createdAt: expect.any(String),
      });
      const [tenant] = await db.query('SELECT name FROM tenants WHERE id = $1', [res.body.tenantId]);
      expect(tenant.name).toBe('Ada Lovelace');
      const [user] = await db.query('SELECT password_hash FROM users WHERE id = $1', [res.body.id]);
      expect(user.password_hash).toMatch(/^scrypt\$/);
      expect(user.password_hash).not.toContain(PASSWORD);
      const mails = await db.query('SELECT subject, purpose FROM mails WHERE recipient = $1', [email]);
      expect(mails).toEqual([{ subject: 'Confirm your e-mail address', purpose: 'verify_email' }]);
      // Only the digest of the mailed token is stored.
      const token = await db.latestMailToken(email, 'verify_email');
      const stored = await db.query('SELECT token_hash FROM email_tokens WHERE user_id = $1', [res.body.id]);
      expect(stored).toHaveLength(1);
      expect(stored[0].token_hash).not.toContain(token.split('.')[1]);
    });

    it('answers an e-mail already registered, in any letter case, exactly like a new one: nothing made, the owner told', async () => {
      const { email } = await signUp(t);
      const fresh = await call(t, 'POST', '/users', { body: { email: uniqueEmail('fresh'), password: PASSWORD, name: 'Copy' } });
      const before = await db.counts(['users', 'tenants']);
      const res = await call(t, 'POST', '/users', { body: { email: email.toUpperCase(), password: PASSWORD, name: 'Copy' } });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(Object.keys(fresh.body).sort());
      expect(res.body).toMatchObject({ email: email.toUpperCase(), name: 'Copy', role: 'user', emailVerified: false });
      expect(res.body.id).not.toBe(fresh.body.id);
      expect(await db.counts(['users', 'tenants'])).toEqual(before);
      const [mail] = await db.query('SELECT purpose, body_text FROM mails WHERE lower(recipient) = lower($1) ORDER BY created_at DESC LIMIT 1', [email]);
      expect(mail.purpose).toBe('account_exists');
      expect(mail.body_text).toContain('already has an account');
      // The made-up user cannot be verified or logged into.
      expectErrorShape(await call(t, 'POST', `/users/${res.body.id}/verify`, { body: { token: 'x'.repeat(43) } }), 400);
    });

    it('lets exactly one of concurrent sign-ups with the same address make an account; all are answered alike', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.all([0, 1, 2].map(() => call(t, 'POST', '/users', { body: { email, password: PASSWORD, name: 'Racer' } })));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(await db.query('SELECT id FROM users WHERE lower(email) = lower($1)', [email])).toHaveLength(1);
    });

    it('enforces password length with clear messages', async () => {
      const short = await call(t, 'POST', '/users', { body: { email: uniqueEmail(), password: 'short', name: 'A' } });
      expectErrorShape(short, 400, 'VALIDATION_ERROR');
      expect(short.body.error.message).toContain('password must be at least 10 characters');
      const long = await call(t, 'POST', '/users', { body: { email: uniqueEmail(), password: 'x'.repeat(129), name: 'A' } });
      expectErrorShape(long, 400, 'VALIDATION_ERROR');
      expect(long.body.error.message).toContain('password must be at most 128 characters');
      expect(long.body.error.details).toEqual([{ field: 'password', errors: ['password must be at most 128 characters'] }]);
    });
  });

  describe('e-mail verification', () => {
    it('verifies with the mailed token, once', async () => {
      const user = await signUp(t);
      const token = await db.latestMailToken(user.email, 'verify_email');
      const ok = await call(t, 'POST', `/users/${user.id}/verify`, { body: { token } });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ id: user.id, emailVerified: true });
      const again = await call(t, 'POST', `/users/${user.id}/verify`, { body: { token } });
      expectErrorShape(again, 400);
      expect(again.body.error.message).toMatch(/invalid, used or expired/i);
    });

    it('rejects another user’s token, a forged token and an expired token', async () => {
      const a = await signUp(t);
      const b = await signUp(t);
      const tokenA = await db.latestMailToken(a.email, 'verify_email');
      expectErrorShape(await call(t, 'POST', `/users/${b.id}/verify`, { body: { token: tokenA } }), 400);
      const forged = `${tokenA.split('.')[0]}.${'A'.repeat(43)}`;
      expectErrorShape(await call(t, 'POST', `/users/${a.id}/verify`, { body: { token: forged } }), 400);
      // Expire it in the database: independent of the clock and of the configured TTL.
      await db.query(`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [a.id]);
      expectErrorShape(await call(t, 'POST', `/users/${a.id}/verify`, { body: { token: tokenA } }), 400);
      const [row] = await db.query('SELECT email_verified_at FROM users WHERE id = $1', [a.id]);
      expect(row.email_verified_at).toBeNull();
    });

    it('resends a verification mail (202) and answers 202 for unknown addresses too', async () => {
      const user = await signUp(t);
      const first = await db.latestMailToken(user.email, 'verify_email');
      const res = await call(t, 'POST', '/auth/resend-verification', { body: { email: user.email } });
      expect(res.status).toBe(202);
      const second = await db.latestMailToken(user.email, 'verify_email');
      expect(second).not.toBe(first);
      const before = await db.count('mails');
      const unknown = await call(t, 'POST', '/auth/resend-verification', { body: { email: uniqueEmail('nobody') } });
      expect(unknown.status).toBe(202);
      expect(unknown.body).toEqual(res.body);
      expect(await db.count('mails')).toBe(before);
      // The newest token works; the older one died with it.
      expect((await call(t, 'POST', `/users/${user.id}/verify`, { body: { token: second } })).status).toBe(200);
      expectErrorShape(await call(t, 'POST', `/users/${user.id}/verify`, { body: { token: first } }), 400);
    });
  });

  describe('login and access tokens', () => {
    it('returns { accessToken, expiresIn, user } and an httpOnly refresh cookie scoped to /auth', async () => {
      const user = await signUp(t);
      const res = await call(t, 'POST', '/auth/login', { body: { email: user.email.toUpperCase(), password: PASSWORD } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String), expiresIn: t.config.auth.accessTtlSeconds,
        user: expect.objectContaining({ id: user.id, tenantId: user.tenantId, email: user.email, role: 'user' }),
      });
      const claims = decodeJwt(res.body.accessToken);
      expect(claims).toMatchObject({ sub: user.id, tid: user.tenantId, role: 'user' });
      expect(claims.exp - claims.iat).toBe(t.config.auth.accessTtlSeconds);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('refresh_token='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\/auth/);
      expect(cookie).not.toMatch(/Secure/i); // NODE_ENV=test
      const me = await call(t, 'GET', '/users/me', { token: res.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: user.id, email: user.email });
    });

    it('answers 401 with one message for a wrong password and an unknown e-mail', async () => {
      const user = await signUp(t);
      const wrong = await call(t, 'POST', '/auth/login', { body: { email: user.email, password: 'WrongPassword1!' } });
      const unknown = await call(t, 'POST', '/auth/login', { body: { email: uniqueEmail('ghost'), password: 'WrongPassword1!' } });
      expectErrorShape(wrong, 401, 'UNAUTHORIZED');
      expectErrorShape(unknown, 401, 'UNAUTHORIZED');
      expect(wrong.body.error.message).toBe(unknown.body.error.message);
      expect(refreshCookieOf(wrong)).toBeUndefined();
    });

    it('accepts ?accessToken= (EventSource, Socket.io)', async () => {
      const user = await signUp(t);
      const { accessToken } = await logIn(t, user.email);
      const res = await call(t, 'GET', `/users/me?accessToken=${encodeURIComponent(accessToken)}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
      // The token is a credential, not input: endpoints with strict query DTOs accept it alongside their own.
      const list = await call(t, 'GET', `/users?limit=5&accessToken=${encodeURIComponent(accessToken)}`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([user.id]);
    });

    it('requires authentication on protected routes', async () => {
      const res = await call(t, 'GET', '/users/me');
      expectErrorShape(res, 401, 'UNAUTHORIZED');
      expect(res.body.error.message).toMatch(/Bearer/);
    });

    it('rejects tampered, expired, wrongly signed and malformed tokens with 401', async () => {
      const user = await signUp(t);
      const { accessToken } = await logIn(t, user.email);
      const secret = t.jwtSecret;
      const [h, p, s] = accessToken.split('.');
      const escalated = Buffer.from(JSON.stringify({ ...decodeJwt(accessToken), role: 'admin' })).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: user.id, tid: user.tenantId, role: 'user', typ: 'access' };
      const cases: Record<string, string> = {
        tamperedPayload: `${h}.${escalated}.${s}`,
        tamperedSignature: `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`,
        expired: craftJwt({ ...claims, iat: now - 3600, exp: now - 60 }, secret),
        otherSecret: craftJwt({ ...claims, iat: now, exp: now + 600 }, 'another-secret-another-secret-another-secret'),
        algNone: `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`,
        missingTenant: craftJwt({ sub: user.id, role: 'user', typ: 'access', iat: now, exp: now + 600 }, secret),
        badRole: craftJwt({ ...claims, role: 'root', iat: now, exp: now + 600 }, secret),
        notAccessType: craftJwt({ sub: user.id, tid: user.tenantId, role: 'user', iat: now, exp: now + 600 }, secret),
        noExpiry: craftJwt({ ...claims, iat: now }, secret),
        garbage: 'not-a-jwt',
      };
      for (const [name, token] of Object.entries(cases)) {
        const res = await call(t, 'GET', '/users/me', { token });
        expect({ name, status: res.status }).toEqual({ name, status: 401 });
        expectErrorShape(res, 401, 'UNAUTHORIZED');
        const viaQuery = await call(t, 'GET', `/users/me?accessToken=${encodeURIComponent(token)}`);
        expect({ name, status: viaQuery.status }).toEqual({ name, status: 401 });
      }
      const expired = await call(t, 'GET', '/users/me', { token: cases.expired });
      expect(expired.body.error.message).toBe('Access token expired');
      // A well-formed token crafted with the real secret is accepted: the cases above fail for their flaw alone.
      const good = craftJwt({ ...claims, iat: now, exp: now + 600 }, secret);
      expect((await call(t, 'GET', '/users/me', { token: good })).status).toBe(200);
    });

    it('rejects an Authorization header that is not Bearer, without falling through to other methods', async () => {
      const user = await signUp(t);
      const { accessToken } = await logIn(t, user.email);
      const basic = await call(t, 'GET', `/users/me?accessToken=${encodeURIComponent(accessToken)}`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expectErrorShape(basic, 401, 'UNAUTHORIZED');
    });
  });

  describe('refresh tokens', () => {
    it('rotates: a new access token and a new refresh token in the same family', async () => {
      const user = await signUp(t);
      const first = await logIn(t, user.email);
      const res = await refreshWithCookie(t, first.refreshToken);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accessToken: expect.any(String), expiresIn: expect.any(Number), user: { id: user.id } });
      expect(res.body.refreshToken).toBeUndefined();
      const next = refreshCookieOf(res)!;
      expect(next).toBeDefined();
      expect(next).not.toBe(first.refreshToken);
      expect((await call(t, 'GET', '/users/me', { token: res.body.accessToken })).status).toBe(200);
      const rows = await db.query('SELECT family_id, rotated_at, revoked_at FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at', [user.id]);
      expect(rows).toHaveLength(2);
      expect(rows[0].family_id).toBe(rows[1].family_id);
      expect(rows[0].rotated_at).not.toBeNull();
      expect(rows[1].rotated_at).toBeNull();
      // Stored hashed: the raw token appears nowhere.
      const raw = await db.query('SELECT * FROM refresh_tokens WHERE token_hash = $1 OR id::text = $1', [next]);
      expect(raw).toHaveLength(0);
    });

    it('accepts { refreshToken } in the body and answers with the next one in the body', async () => {
      const user = await signUp(t);
      const first = await logIn(t, user.email);
      const res = await call(t, 'POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
      expect(res.status).toBe(200);
      expect(res.body.refreshToken).toEqual(expect.any(String));
      const again = await call(t, 'POST', '/auth/refresh', { body: { refreshToken: res.body.refreshToken } });
      expect(again.status).toBe(200);
    });

    it('detects reuse of a rotated token and revokes the whole family, newest token included', async () => {
      const user = await signUp(t);
      const other = await logIn(t, user.email); // a second login: another family, untouched
      const first = await logIn(t, user.email);
      const second = refreshCookieOf(await refreshWithCookie(t, first.refreshToken))!;
      const third = refreshCookieOf(await refreshWithCookie(t, second))!;
      const reuse = await refreshWithCookie(t, first.refreshToken);
      expectErrorShape(reuse, 401, 'UNAUTHORIZED');
      expect(reuse.body.error.message).toMatch(/reuse/i);
      expectErrorShape(await refreshWithCookie(t, third), 401, 'UNAUTHORIZED');
      expectErrorShape(await refreshWithCookie(t, second), 401, 'UNAUTHORIZED');
      expect((await refreshWithCookie(t, other.refreshToken)).status).toBe(200);
    });

    it('rejects a missing, malformed, forged or expired refresh token', async () => {
      expectErrorShape(await call(t, 'POST', '/auth/refresh'), 401);
      expectErrorShape(await refreshWithCookie(t, 'garbage'), 401);
      const user = await signUp(t);
      const { refreshToken } = await logIn(t, user.email);
      expectErrorShape(await refreshWithCookie(t, `${refreshToken.split('.')[0]}.${'B'.repeat(43)}`), 401);
      await db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
      const expired = await refreshWithCookie(t, refreshToken);
      expectErrorShape(expired, 401);
      expect(expired.body.error.message).toMatch(/expired/);
    });
  });

  describe('logout', () => {
    it('logout revokes the current family and clears the cookie; other logins keep working', async () => {
      const user = await signUp(t);
      const a = await logIn(t, user.email);
      const b = await logIn(t, user.email);
      const res = await call(t, 'POST', '/auth/logout', { headers: { cookie: `refresh_token=${encodeURIComponent(a.refreshToken)}` } });
      expect(res.status).toBe(204);
      expect(res.headers.getSetCookie().some((c) => /^refresh_token=;/.test(c) && /Path=\/auth/.test(c))).toBe(true);
      expectErrorShape(await refreshWithCookie(t, a.refreshToken), 401);
      expect((await refreshWithCookie(t, b.refreshToken)).status).toBe(200);
      // Logging out without (or with a bad) token is harmless.
      expect((await call(t, 'POST', '/auth/logout')).status).toBe(204);
      expect((await call(t, 'POST', '/auth/logout', { body: { refreshToken: 'nonsense' } })).status).toBe(204);
    });

    it('logout-all needs an access token and revokes every family of the user only', async () => {
      const user = await signUp(t);
      const bystander = await signUp(t);
      const a = await logIn(t, user.email);
      const b = await logIn(t, user.email);
      const c = await logIn(t, bystander.email);
      expectErrorShape(await call(t, 'POST', '/auth/logout-all'), 401);
      const res = await call(t, 'POST', '/auth/logout-all', { token: a.accessToken });
      expect(res.status).toBe(204);
      expectErrorShape(await refreshWithCookie(t, a.refreshToken), 401);
      expectErrorShape(await refreshWithCookie(t, b.refreshToken), 401);
      expect((await refreshWithCookie(t, c.refreshToken)).status).toBe(200);
      const active = await db.query('SELECT id FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
      expect(active).toHaveLength(0);
    });
  });

  describe('password reset', () => {
    it('answers 202 for unknown addresses without sending anything', async () => {
      const before = await db.counts(['mails', 'email_tokens']);
      const res = await call(t, 'POST', '/auth/password-reset', { body: { email: uniqueEmail('nobody') } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: true, message: expect.any(String) });
      expect(await db.counts(['mails', 'email_tokens'])).toEqual(before);
      const user = await signUp(t);
      const known = await call(t, 'POST', '/auth/password-reset', { body: { email: user.email } });
      expect(known.status).toBe(202);
      expect(known.body).toEqual(res.body);
    });

    it('sets the new password with a single-use token and revokes every refresh token', async () => {
      const user = await signUp(t);
      const session = await logIn(t, user.email);
      expect((await call(t, 'POST', '/auth/password-reset', { body: { email: user.email } })).status).toBe(202);
      const token = await db.latestMailToken(user.email, 'password_reset');
      const newPassword = 'BrandNewPassword42';
      const res = await call(t, 'POST', '/auth/password-reset/confirm', { body: { token, password: newPassword } });
      expect(res.status).toBe(204);
      expectErrorShape(await refreshWithCookie(t, session.refreshToken), 401);
      expectErrorShape(await call(t, 'POST', '/auth/login', { body: { email: user.email, password: PASSWORD } }), 401);
      await logIn(t, user.email, newPassword);
      const reused = await call(t, 'POST', '/auth/password-reset/confirm', { body: { token, password: 'YetAnotherPass99' } });
      expectErrorShape(reused, 400);
      await logIn(t, user.email, newPassword);
    });

    it('rejects a verification token, a too-short password and an expired token', async () => {
      const user = await signUp(t);
      const verifyToken = await db.latestMailToken(user.email, 'verify_email');
      expectErrorShape(await call(t, 'POST', '/auth/password-reset/confirm', { body: { token: verifyToken, password: 'BrandNewPassword42' } }), 400);
      await call(t, 'POST', '/auth/password-reset', { body: { email: user.email } });
      const token = await db.latestMailToken(user.email, 'password_reset');
      const short = await call(t, 'POST', '/auth/password-reset/confirm', { body: { token, password: 'short' } });
      expectErrorShape(short, 400, 'VALIDATION_ERROR');
      await db.query(`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'password_reset'`, [user.id]);
      expectErrorShape(await call(t, 'POST', '/auth/password-reset/confirm', { body: { token, password: 'BrandNewPassword42' } }), 400);
      await logIn(t, user.email, PASSWORD);
    });
  });

  it('documents every auth endpoint in the OpenAPI document with its security', async () => {
    const spec = (await call(t, 'GET', '/docs-json')).body;
    const paths = [
      '/users', '/users/{id}/verify', '/users/me', '/tenants', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/logout-all',
      '/auth/resend-verification', '/auth/password-reset', '/auth/password-reset/confirm', '/api-keys', '/api-keys/{id}',
    ];
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(paths));
    expect(spec.paths['/users/me'].get.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
    expect(spec.paths['/auth/login'].post.requestBody.content['application/json'].schema.$ref).toMatch(/LoginDto/);
    expect(spec.paths['/auth/login'].post.responses['429']).toBeDefined();
    expect(spec.components.schemas.SignUpDto.properties.password).toMatchObject({ minLength: 10, maxLength: 128, example: expect.any(String) });
  });
});
