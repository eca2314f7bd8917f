import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, PASSWORD, signUp, TestDb, uniqueEmail, type ApiResponse } from '../support/auth-helpers.js';

const PER_ACCOUNT = 3; // per account from one IP
const PER_IP = 5;
const WINDOW = 600;
const SLOW_AFTER = 6; // failures of one account from all IPs
const SLOW_SECONDS = 3;

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
        LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: String(PER_ACCOUNT),
        LOGIN_MAX_FAILURES_PER_IP: String(PER_IP),
        LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW),
        LOGIN_ACCOUNT_SLOWDOWN_AFTER: String(SLOW_AFTER),
        LOGIN_ACCOUNT_SLOWDOWN_SECONDS: String(SLOW_SECONDS),
      },
    });
    db = await TestDb.connect(t);
  });
  afterAll(async () => {
    await db.close();
    await t.close({ drop: true });
  });

  it('blocks an account from one IP after its failures, even with the right password; the owner from another IP still logs in', async () => {
    const user = await signUp(t);
    const stranger = freshIp();
    for (let i = 0; i < PER_ACCOUNT; i++) {
      expectErrorShape(await attempt(t, user.email, 'WrongPassword!!', stranger), 401, 'UNAUTHORIZED');
    }
    const blocked = await attempt(t, user.email.toUpperCase(), PASSWORD, stranger);
    expectThrottled(blocked);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(WINDOW - 60);
    // The owner, elsewhere, is not locked out by the stranger's guesses.
    expect((await attempt(t, user.email, PASSWORD, freshIp())).status).toBe(200);
    // Another account is unaffected, even from the stranger's address.
    const other = await signUp(t);
    expect((await attempt(t, other.email, PASSWORD, stranger)).status).toBe(200);
  });

  it('throttles unknown addresses exactly like known ones (no enumeration)', async () => {
    const ghost = uniqueEmail('ghost');
    const ip = freshIp();
    for (let i = 0; i < PER_ACCOUNT; i++) expectErrorShape(await attempt(t, ghost, 'WrongPassword!!', ip), 401);
    expectThrottled(await attempt(t, ghost, 'WrongPassword!!', ip));
  });

  it('a successful login clears the account’s failures from that IP only', async () => {
    const user = await signUp(t);
    const ip = freshIp();
    for (let i = 0; i < PER_ACCOUNT - 1; i++) expectErrorShape(await attempt(t, user.email, 'WrongPassword!!', ip), 401);
    expect((await attempt(t, user.email, PASSWORD, ip)).status).toBe(200);
    for (let i = 0; i < PER_ACCOUNT; i++) expectErrorShape(await attempt(t, user.email, 'WrongPassword!!', ip), 401);
    expectThrottled(await attempt(t, user.email, PASSWORD, ip));
    // The owner logging in elsewhere does not hand the stranger new guesses.
    expect((await attempt(t, user.email, PASSWORD, freshIp())).status).toBe(200);
    expectThrottled(await attempt(t, user.email, PASSWORD, ip));
  });

  it('slows, never locks, an account failing from many IPs: one guess per interval, the owner in after a short wait', async () => {
    const user = await signUp(t);
    // SLOW_AFTER failures spread over IPs that each stay under their own limit.
    for (let i = 0; i < SLOW_AFTER; i++) expectErrorShape(await attempt(t, user.email, 'WrongPassword!!', freshIp()), 401);
    const slowed = await attempt(t, user.email, PASSWORD, freshIp());
    expectThrottled(slowed);
    expect(Number(slowed.headers.get('retry-after'))).toBeLessThanOrEqual(SLOW_SECONDS);
    // Let the interval pass (in the database, not on the clock): a burst of guesses from fresh IPs
    // gets one of them verified, the rest wait.
    const age = (): Promise<unknown> =>
      db.query(`UPDATE login_failures SET occurred_at = occurred_at - make_interval(secs => $1) WHERE account_key = lower($2)`, [SLOW_SECONDS, user.email]);
    await age();
    const burst = await Promise.all(Array.from({ length: 6 }, () => attempt(t, user.email, 'WrongPassword!!', freshIp())));
    expect(burst.map((r) => r.status).sort()).toEqual([401, 429, 429, 429, 429, 429]);
    for (const res of burst.filter((r) => r.status === 429)) expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(SLOW_SECONDS);
    // The owner, from anywhere, gets in once the interval has passed.
    await age();
    expect((await attempt(t, user.email, PASSWORD, freshIp())).status).toBe(200);
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
    const ip = freshIp();
    for (let i = 0; i < PER_ACCOUNT; i++) await attempt(t, user.email, 'WrongPassword!!', ip);
    expectThrottled(await attempt(t, user.email, PASSWORD, ip));
    // Age the failures past the window in the database instead of waiting for the clock.
    await db.query(`UPDATE login_failures SET occurred_at = occurred_at - make_interval(secs => $1) WHERE account_key = lower($2)`, [WINDOW + 1, user.email]);
    expect((await attempt(t, user.email, PASSWORD, ip)).status).toBe(200);
  });

  it('is kept in the database: a second instance (or a restart) sees the same block', async () => {
    const user = await signUp(t);
    const ip = freshIp();
    for (let i = 0; i < PER_ACCOUNT; i++) await attempt(t, user.email, 'WrongPassword!!', ip);
    const second = await startTestApp({ databaseUrl: t.databaseUrl, env: { LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: String(PER_ACCOUNT), LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW) } });
    try {
      expectThrottled(await attempt(second, user.email, PASSWORD, ip));
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
