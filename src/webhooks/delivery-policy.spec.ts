import { backoffDelayMs, decideOutcome, isFinalFailure, MIN_RETRY_DELAY_MS, parseRetryAfterMs, RETRY_AFTER_CAP_MS } from './delivery-policy.js';

const NOW = Date.parse('2026-11-22T10:30:00.000Z');

describe('backoffDelayMs (exponential, full jitter)', () => {
  it('grows the ceiling exponentially and draws below it', () => {
    expect(backoffDelayMs(1, () => 0.999_999)).toBe(999);
    expect(backoffDelayMs(2, () => 0.999_999)).toBe(1_999);
    expect(backoffDelayMs(4, () => 0.5)).toBe(4_000);
  });
  it('is capped', () => {
    expect(backoffDelayMs(40, () => 0.999_999)).toBeLessThanOrEqual(5 * 60_000);
  });
  it('never retries in a tight loop', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(MIN_RETRY_DELAY_MS);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('1', NOW)).toBe(1_000);
    expect(parseRetryAfterMs(' 120 ', NOW)).toBe(120_000);
  });
  it('reads an HTTP date', () => {
    expect(parseRetryAfterMs('Sun, 22 Nov 2026 10:30:05 GMT', NOW)).toBe(5_000);
    expect(parseRetryAfterMs('Sun, 22 Nov 2026 10:29:00 GMT', NOW)).toBe(0);
  });
  it('ignores garbage and absence', () => {
    expect(parseRetryAfterMs('soon', NOW)).toBeNull();
    expect(parseRetryAfterMs('', NOW)).toBeNull();
    expect(parseRetryAfterMs(undefined, NOW)).toBeNull();
    expect(parseRetryAfterMs('-5', NOW)).toBeNull();
  });
  it('clamps absurd values', () => {
    expect(parseRetryAfterMs('99999999', NOW)).toBe(RETRY_AFTER_CAP_MS);
  });
});

describe('decideOutcome', () => {
  const half = (): number => 0.5;
  it('delivers on any 2xx', () => {
    expect(decideOutcome({ statusCode: 200 }, 1, 3, NOW)).toEqual({ kind: 'delivered' });
    expect(decideOutcome({ statusCode: 204 }, 3, 3, NOW)).toEqual({ kind: 'delivered' });
  });
  it('gives up at once on a 4xx other than 408 and 429', () => {
    for (const code of [400, 401, 403, 404, 409, 422]) {
      expect(isFinalFailure(code)).toBe(true);
      expect(decideOutcome({ statusCode: code }, 1, 10, NOW)).toEqual({ kind: 'dead', reason: 'rejected' });
    }
  });
  it('retries 408, 429, 5xx and network errors with backoff', () => {
    for (const code of [408, 429, 500, 502, 503, null]) {
      expect(decideOutcome({ statusCode: code }, 2, 10, NOW, half)).toEqual({ kind: 'retry', delayMs: 1_000 });
    }
  });
  it('honours Retry-After on 429 and 503 only', () => {
    expect(decideOutcome({ statusCode: 429, retryAfter: '7' }, 1, 10, NOW, half)).toEqual({ kind: 'retry', delayMs: 7_000 });
    expect(decideOutcome({ statusCode: 503, retryAfter: 'Sun, 22 Nov 2026 10:30:03 GMT' }, 1, 10, NOW, half)).toEqual({ kind: 'retry', delayMs: 3_000 });
    expect(decideOutcome({ statusCode: 500, retryAfter: '7' }, 1, 10, NOW, half)).toEqual({ kind: 'retry', delayMs: 500 });
  });
  it('is dead once the tries run out', () => {
    expect(decideOutcome({ statusCode: 503 }, 3, 3, NOW)).toEqual({ kind: 'dead', reason: 'exhausted' });
    expect(decideOutcome({ statusCode: null, error: 'ECONNREFUSED' }, 1, 1, NOW)).toEqual({ kind: 'dead', reason: 'exhausted' });
  });
});
