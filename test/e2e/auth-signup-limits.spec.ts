/**
 * Sign-up's limits (issue 30, item 5): SIGNUP_MAX_PER_IP sign-ups per client IP in
 * SIGNUP_WINDOW_SECONDS, then 429 with Retry-After; SIGNUP_ENABLED=false closes sign-up with a
 * 403 in the one error shape while login goes on.
 */
import { call, expectErrorShape, logIn, PASSWORD, signUp, TestDb, uniqueEmail } from '../support/auth-helpers.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PER_IP = 3;

const signUpFrom = (t: TestApp, ip: string, email = uniqueEmail('limit')) =>
  call(t, 'POST', '/users', { body: { email, password: PASSWORD, name: 'Limited' }, headers: { 'x-forwarded-for': ip } });

describe('auth: sign-up limits', () => {
  describe('per client IP', () => {
    let t: TestApp;
    let db: TestDb;
    beforeAll(async () => {
      t = await startTestApp({ env: { SIGNUP_MAX_PER_IP: String(PER_IP), SIGNUP_WINDOW_SECONDS: '3600' } });
      db = await TestDb.connect(t);
    });
    afterAll(async () => {
      await db.close();
      await t.close({ drop: true });
    });

    it('answers 429 with Retry-After past SIGNUP_MAX_PER_IP, makes nothing, and counts taken addresses too; other IPs go on', async () => {
      const ip = '198.51.100.7';
      const taken = await signUp(t, {});
      expect((await signUpFrom(t, ip)).status).toBe(201);
      expect((await signUpFrom(t, ip, taken.email)).status).toBe(201);
      expect((await signUpFrom(t, ip)).status).toBe(201);
      const users = await db.count('users');
      const refused = await signUpFrom(t, ip);
      expectErrorShape(refused, 429, 'TOO_MANY_REQUESTS');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(3500);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(await db.count('users')).toBe(users);
      expect((await signUpFrom(t, '198.51.100.8')).status).toBe(201);
    });
  });

  describe('SIGNUP_ENABLED=false', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { SIGNUP_ENABLED: 'false', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: PASSWORD } });
    });
    afterAll(async () => {
      await t.close({ drop: true });
    });

    it('answers 403 SIGNUP_DISABLED and makes nothing; existing accounts still log in', async () => {
      const res = await call(t, 'POST', '/users', { body: { email: uniqueEmail('closed'), password: PASSWORD, name: 'Closed' } });
      expectErrorShape(res, 403, 'SIGNUP_DISABLED');
      expect(res.body.error.message).toMatch(/closed/i);
      expect((await logIn(t, 'admin@example.com', PASSWORD)).accessToken).toEqual(expect.any(String));
    });
  });
});
