import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, PASSWORD, signUp, TestDb, uniqueEmail, type ApiResponse } from '../support/auth-helpers.js';

const PER_ACCOUNT = 3;
const PER_IP = 5;
const WINDOW = 600;

let ipCounter = 0;
/** A fresh client address (the app trusts X-Forwarded-For, as behind a proxy). */
function freshIp(): string {
  ipCounter += 1;
  return `203.0.113.${ipCounter}`;
}

describe('auth: login throttling', () => {
  let t: TestApp;
  let db: TestDb;

  const attempt = (app: TestApp, email: string, password: string, ip: string): Promise<ApiResponse> =>
    call(app, 'POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });

  function expectThrottled(res: ApiResponse): void {
    expectErrorShape(res, 429, 'TOO_MANY_REQUESTS');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);
    expect(res.body.error.details).toEqual({ retryAfterSeconds: expect.any(Number) });
  }

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        LOGIN_MAX_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT),
        LOGIN_MAX_FAILURES_PER_IP: String(PER_IP),
        LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW),
      },
    });
    db = await TestDb.connect(t);
  });
  afterAll(async () => {
    await db.close();
    await t.close({ drop: true });
  });

  it('blocks an account after its failures, from any IP and even with the right password', async () => {
    const user = await signUp(t);
    for (let i = 0; i < PER_ACCOUNT; i++) {
      expectErrorShape(await attempt(t, user.email, 'WrongPassword!!', freshIp()), 401, 'UNAUTHORIZED');
    }
    const blocked = await attempt(t, user.email.toUpperCase(), PASSWORD, freshIp());
    expectThrottled(blocked);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(WINDOW - 60);
    // Another account is unaffected.
    const other = await signUp(t);
    expect((await attempt(t, other.email, PASSWORD, freshIp())).status).toBe(200);
  });

  it('throttles unknown addresses exactly like known ones (no enumeration)', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < PER_ACCOUNT; i++) expectErrorShape(await attempt(t, ghost, 'WrongPassword!!', freshIp()), 401);
    expectThrottled(await attempt(t, ghost, 'WrongPassword!!', freshIp()));
  });

  it('a successful login clears the account’s failures', async () => {
    const user = await signUp(t);
    for (let i = 0; i < PER_ACCOUNT - 1; i++) expectErrorShape(await attempt(t, user.email, 'WrongPassword!!', freshIp()), 401);
    expect((await attempt(t, user.email, PASSWORD, freshIp())).status).toBe(200);
    for (let i = 0; i < PER_ACCOUNT; i++) expectErrorShape(await attempt(t, user.email, 'WrongPassword!!', freshIp()), 401);
    expectThrottled(await attempt(t, user.email, PASSWORD, freshIp()));
  });

  it('blocks an IP after its failures across accounts; the same account from elsewhere still logs in', async () => {
    const ip = freshIp();
    for (let i = 0; i < PER_IP; i++) expectErrorShape(await attempt(t, uniqueEmail('spray'), 'WrongPassword!!', ip), 401);
    const user = await signUp(t);
    expectThrottled(await attempt(t, user.email, PASSWORD, ip));
    expect((await attempt(t, user.email, PASSWORD, freshIp())).status).toBe(200);
  });

  it('lifts the block when the failures leave the window', async () => {
    const user = await signUp(t);
    for (let i = 0; i < PER_ACCOUNT; i++) await attempt(t, user.email, 'WrongPassword!!', freshIp());
    expectThrottled(await attempt(t, user.email, PASSWORD, freshIp()));
    // Age the failures past the window in the database instead of waiting for the clock.
    await db.query(`UPDATE login_failures SET occurred_at = occurred_at - make_interval(secs => $1) WHERE account_key = lower($2)`, [WINDOW + 1, user.email]);
    expect((await attempt(t, user.email, PASSWORD, freshIp())).status).toBe(200);
  });

  it('is kept in the database: a second instance (or a restart) sees the same block', async () => {
    const user = await signUp(t);
    for (let i = 0; i < PER_ACCOUNT; i++) await attempt(t, user.email, 'WrongPassword!!', freshIp());
    const second = await startTestApp({ databaseUrl: t.databaseUrl, env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT), LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW) } });
    try {
      expectThrottled(await attempt(second, user.email, PASSWORD, freshIp()));
    } finally {
      await second.close();
    }
  });

  it('does not count malformed requests as failures', async () => {
    const user = await signUp(t);
    for (let i = 0; i < PER_ACCOUNT + 2; i++) {
      expectErrorShape(await call(t, 'POST', '/auth/login', { body: { email: user.email, password: 42 } }), 400);
    }
    expect((await attempt(t, user.email, PASSWORD, freshIp())).status).toBe(200);
  });
});
