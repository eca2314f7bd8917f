import { accountKey, combineDecisions, decideSlowdown, decideThrottle } from './login-throttle.policy.js';

const now = new Date('2026-01-01T12:00:00.000Z');
const secondsAgo = (s: number): Date => new Date(now.getTime() - s * 1000);
const limit = { maxFailures: 3, windowSeconds: 600 };

describe('login throttle policy', () => {
  it('allows while fewer failures than the maximum lie in the window', () => {
    expect(decideThrottle([], limit, now)).toEqual({ allowed: true });
    expect(decideThrottle([secondsAgo(10), secondsAgo(20)], limit, now)).toEqual({ allowed: true });
  });

  it('blocks at the maximum and says when the oldest counted failure leaves the window', () => {
    const decision = decideThrottle([secondsAgo(10), secondsAgo(100), secondsAgo(200)], limit, now);
    expect(decision).toEqual({ allowed: false, retryAfterSeconds: 400 });
  });

  it('with more failures than the maximum, waits until only max-1 remain', () => {
    const failures = [secondsAgo(1), secondsAgo(2), secondsAgo(50), secondsAgo(500)];
    // The 3rd most recent (50 s ago) must leave the window: 550 s.
    expect(decideThrottle(failures, limit, now)).toEqual({ allowed: false, retryAfterSeconds: 550 });
  });

  it('ignores failures outside the window, or in the future', () => {
    const failures = [secondsAgo(601), secondsAgo(700), secondsAgo(5), new Date(now.getTime() + 60_000)];
    expect(decideThrottle(failures, limit, now)).toEqual({ allowed: true });
  });

  it('never asks to wait less than one second', () => {
    const failures = [secondsAgo(599.9), secondsAgo(599.95), secondsAgo(599.99)];
    expect(decideThrottle(failures, limit, now)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('combines account and IP decisions, the longest wait winning', () => {
    expect(combineDecisions([{ allowed: true }, { allowed: true }])).toEqual({ allowed: true });
    expect(combineDecisions([{ allowed: true }, { allowed: false, retryAfterSeconds: 5 }])).toEqual({ allowed: false, retryAfterSeconds: 5 });
    expect(combineDecisions([{ allowed: false, retryAfterSeconds: 5 }, { allowed: false, retryAfterSeconds: 90 }])).toEqual({ allowed: false, retryAfterSeconds: 90 });
  });

  it('keys accounts by normalised e-mail', () => {
    expect(accountKey('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it('slows an account failing from everywhere, never for longer than the interval', () => {
    const slow = { after: 20, intervalSeconds: 2 };
    expect(decideSlowdown(19, secondsAgo(0.1), slow, now)).toEqual({ allowed: true });
    expect(decideSlowdown(20, undefined, slow, now)).toEqual({ allowed: true });
    expect(decideSlowdown(500, secondsAgo(0.5), slow, now)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(decideSlowdown(500, secondsAgo(1.5), slow, now)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(decideSlowdown(500, secondsAgo(2), slow, now)).toEqual({ allowed: true });
  });
});
