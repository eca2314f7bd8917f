import { AppError } from '../common/app-error.js';
import { parseRange } from './byte-range.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100, end: 999 }],
    ['bytes=-10', { start: 990, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=900-5000', { start: 900, end: 999 }],
  ])('%s of 1000 bytes', (header, range) => {
    expect(parseRange(header, 1000)).toEqual(range);
  });

  it.each([undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=-', 'bytes=a-b'])('serves everything for %p', (header) => {
    expect(parseRange(header, 1000)).toBeUndefined();
  });

  it.each(['bytes=1000-', 'bytes=5-1', 'bytes=-0'])('rejects %s with 416 and the size', (header) => {
    let caught: unknown;
    try {
      parseRange(header, 1000);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).getStatus()).toBe(416);
    expect((caught as AppError).headers).toEqual({ 'content-range': 'bytes */1000' });
  });
});
