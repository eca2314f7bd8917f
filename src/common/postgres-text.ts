/**
 * PostgreSQL `text` and `jsonb` cannot hold U+0000, yet WhatsApp texts and client input may
 * contain it. This codec stores every string losslessly: U+0000 becomes ESC '0' and the escape
 * character itself (U+E000, a private-use code point) is doubled. Strings with neither, which is
 * nearly all of them, are stored unchanged, so SQL readers see plain text.
 */
import type { ValueTransformer } from 'typeorm';

const ESC = '\uE000';
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const NEEDS_ENCODING = /[\u0000\uE000]/;
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const ENCODABLE = /[\u0000\uE000]/g;
const NEEDS_DECODING = /\uE000/;

export function encodePgText(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  return value.replace(ENCODABLE, (c) => (c === ESC ? ESC + ESC : ESC + '0'));
}

export function decodePgText(value: string): string {
  if (!NEEDS_DECODING.test(value)) return value;
  return value.replace(/\uE000([\uE0000])/g, (_m, c: string) => (c === ESC ? ESC : '\u0000'));
}

/** Encodes every string (keys included) of a JSON-shaped value, for `jsonb` columns. */
export function encodePgJson<T>(value: T): T {
  return mapStrings(value, encodePgText);
}

export function decodePgJson<T>(value: T): T {
  return mapStrings(value, decodePgText);
}

function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, fn)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[fn(k)] = mapStrings(v, fn);
    return out as T;
  }
  return value;
}

/** TypeORM column transformer for nullable `text` columns. */
export const pgTextTransformer: ValueTransformer = {
  to: (v: string | null | undefined) => (typeof v === 'string' ? encodePgText(v) : v),
  from: (v: string | null) => (typeof v === 'string' ? decodePgText(v) : v),
};

/** TypeORM column transformer for `jsonb` columns. */
export const pgJsonTransformer: ValueTransformer = {
  to: (v: unknown) => (v === undefined ? v : encodePgJson(v)),
  from: (v: unknown) => decodePgJson(v),
};
