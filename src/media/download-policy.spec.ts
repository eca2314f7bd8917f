import { describeFailure, retryDelayMs } from './download-policy.js';

describe('retryDelayMs', () => {
  it('grows 4 times per attempt from the base, within ±25 %', () => {
    expect([1, 2, 3].map((a) => retryDelayMs(a, 5000, 0.5))).toEqual([5000, 20_000, 80_000]);
    expect(retryDelayMs(2, 5000, 0)).toBe(15_000);
    expect(retryDelayMs(2, 5000, 0.999999)).toBe(25_000);
  });

  it('never waits more than an hour (plus jitter)', () => {
    expect(retryDelayMs(20, 5000, 0.5)).toBe(3_600_000);
  });
});

describe('describeFailure', () => {
  it('drops query strings (signed CDN URLs) and keeps the cause', () => {
    const err = new Error('Failed to fetch stream from https://mmg.whatsapp.net/v/t62/abc.enc?ccb=11-4&oh=SECRET&oe=1', { cause: new Error('ECONNRESET') });
    expect(describeFailure(err)).toBe('Failed to fetch stream from https://mmg.whatsapp.net/v/t62/abc.enc?…: ECONNRESET');
    expect(describeFailure('x'.repeat(600))).toHaveLength(500);
  });
});
