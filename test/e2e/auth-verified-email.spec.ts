import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, logIn, PASSWORD, refreshCookieOf, signUp, TestDb } from '../support/auth-helpers.js';

describe('auth: AUTH_REQUIRE_VERIFIED_EMAIL=true', () => {
  let t: TestApp;
  let db: TestDb;
  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_REQUIRE_VERIFIED_EMAIL: 'true' } });
    db = await TestDb.connect(t);
  });
  afterAll(async () => {
    await db.close();
    await t.close({ drop: true });
  });

  it('answers 403 EMAIL_NOT_VERIFIED until the address is verified, then logs in', async () => {
    const user = await signUp(t);
    const before = await db.count('refresh_tokens');
    const res = await call(t, 'POST', '/auth/login', { body: { email: user.email, password: PASSWORD } });
    expectErrorShape(res, 403, 'EMAIL_NOT_VERIFIED');
    expect(refreshCookieOf(res)).toBeUndefined();
    expect(await db.count('refresh_tokens')).toBe(before);
    // A wrong password still says 401: the 403 is only given to someone who knows the password.
    expectErrorShape(await call(t, 'POST', '/auth/login', { body: { email: user.email, password: 'WrongPassword!!' } }), 401);
    const token = await db.latestMailToken(user.email, 'verify_email');
    expect((await call(t, 'POST', `/users/${user.id}/verify`, { body: { token } })).status).toBe(200);
    const session = await logIn(t, user.email);
    expect(session.body.user.emailVerified).toBe(true);
  });

  it('a completed password reset counts as verification', async () => {
    const user = await signUp(t);
    await call(t, 'POST', '/auth/password-reset', { body: { email: user.email } });
    const token = await db.latestMailToken(user.email, 'password_reset');
    expect((await call(t, 'POST', '/auth/password-reset/confirm', { body: { token, password: 'ResetAndVerified1' } })).status).toBe(204);
    await logIn(t, user.email, 'ResetAndVerified1');
  });
});
