/** One `Range: bytes=…` header against an object of `size` bytes (RFC 9110 §14). */
import { AppError } from '../common/app-error.js';
import type { ByteRange } from './media-storage.js';

/** Undefined: serve the whole object (no header, another unit, or several ranges, which we may ignore). */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || header.includes(',')) return undefined;
  const [, from, to] = match;
  let start: number;
  let end: number;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start || (from === '' && Number(to) === 0)) {
    throw new AppError(416, 'RANGE_NOT_SATISFIABLE', `The range is outside the ${size} bytes of the media`, { size }, {
      'content-range': `bytes */${size}`,
    });
  }
  return { start, end };
}
