import { gapMs, plan, typingMs } from './pacing.js';

describe('pacing', () => {
  const pacing = { minIntervalMs: 1000, maxIntervalMs: 3000, typing: true };

  it('draws gaps inside the interval, both ends included', () => {
    expect(gapMs(pacing, 0)).toBe(1000);
    expect(gapMs(pacing, 0.999999)).toBe(3000);
    expect(gapMs({ ...pacing, maxIntervalMs: 1000 }, 0.5)).toBe(1000);
  });

  it('types for a time that grows with the text, capped at the gap, and not at all without typing', () => {
    expect(typingMs(pacing, 10, 5000)).toBe(800);
    expect(typingMs(pacing, 100, 5000)).toBe(3500);
    expect(typingMs(pacing, 1000, 2000)).toBe(2000);
    expect(typingMs({ ...pacing, typing: false }, 100, 5000)).toBe(0);
  });

  it('starts a send a gap after the previous one, with typing shown at the end of the gap', () => {
    expect(plan(10_000, 9_000, 2000, 800)).toEqual({ waitMs: 200, typingMs: 800 });
    // The gap has already passed: typing still shows before the send.
    expect(plan(10_000, 5_000, 2000, 800)).toEqual({ waitMs: 0, typingMs: 800 });
    expect(plan(10_000, undefined, 2000, 0)).toEqual({ waitMs: 0, typingMs: 0 });
  });
});
