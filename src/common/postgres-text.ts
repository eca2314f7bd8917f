/**
 * PostgreSQL `text` and `jsonb` cannot hold U+0000, yet WhatsApp texts and client input may
 * contain it. This codec stores every string losslessly: U+0000 becomes ESC '0' and the escape
 * character itself (U+E000, a private-use code point) is doubled. Strings with neither, which is
 * nearly all of them, are stored unchanged, so SQL readers see plain text. A U+FEFF that starts a
 * string becomes ESC 'F' (PGlite's wire decoder would drop it on the way back). A lone UTF-16 surrogate
 * (which `jsonb` and PostgreSQL's UTF-8 text reject) is stored as U+FFFD: the raw message keeps the
 * original bytes.
 */
import type { ValueTransformer } from 'typeorm';

const ESC = '\uE000';
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const NEEDS_ENCODING = /[\u0000\uE000]/;
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const ENCODABLE = /[\u0000\uE000]/g;
const NEEDS_DECODING = /\uE000/;

/** A UTF-16 surrogate half without its other half (JSON and SQL text reject it; it encodes no character). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export const hasLoneSurrogate = (value: string): boolean => LONE_SURROGATE.test(value);

/**
 * The string with each lone surrogate replaced by U+FFFD, as a UTF-8 decoder does with a byte it
 * cannot read (`String.prototype.toWellFormed`); anything else, a leading U+FEFF included, is kept.
 */
export function wellFormed(value: string): string {
  return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATES, '\uFFFD') : value;
}

/** Every string (keys included) of a JSON-shaped value made well-formed; Buffers and class instances untouched. */
export function wellFormedJson<T>(value: T): T {
  return mapStrings(value, wellFormed);
}

/** Lossless for U+0000; a lone surrogate, which no column can hold, is stored as U+FFFD. */
export function encodePgText(input: string): string {
  const value = wellFormed(input);
  const escaped = NEEDS_ENCODING.test(value) ? value.replace(ENCODABLE, (c) => (c === ESC ? ESC + ESC : ESC + '0')) : value;
  // The embedded database's wire decoder (PGlite's TextDecoder) drops a U+FEFF that starts a value.
  return escaped.charCodeAt(0) === 0xfeff ? ESC + 'F' + escaped.slice(1) : escaped;
}

export function decodePgText(value: string): string {
  if (!NEEDS_DECODING.test(value)) return value;
  return value.replace(/\uE000([\uE0000F])/g, (_m, c: string) => (c === ESC ? ESC : c === '0' ? '\u0000' : '\uFEFF'));
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
