/** Opaque keyset cursors: base64url JSON of the last row's sort key. A bad cursor is a 400. */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error.js';

export function encodeCursor(key: Array<string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor made of `shape` (n = integer, s = string) or throws 400 INVALID_CURSOR. */
export function decodeCursor(cursor: string | undefined, shape: Array<'n' | 's'>): Array<string | number> | null {
  if (cursor === undefined || cursor === '') return null;
  const bad = () => new AppError(HttpStatus.BAD_REQUEST, 'INVALID_CURSOR', 'The cursor is not one this API issued', [{ field: 'cursor', errors: ['invalid cursor'] }]);
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw bad();
  shape.forEach((kind, i) => {
    const v: unknown = parsed[i];
    const ok = kind === 'n' ? typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 : typeof v === 'string' && v.length > 0 && v.length <= 256;
    if (!ok) throw bad();
  });
  return parsed as Array<string | number>;
}
