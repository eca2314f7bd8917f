/**
 * The `Idempotency-Key` header and the fingerprint of a request (pure functions). A key is 1 to
 * 255 visible ASCII characters (spaces inside allowed); anything else is a 400, never stored.
 */
import { createHash } from 'node:crypto';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const MAX_KEY_LENGTH = 255;
const VALID_KEY = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export type KeyCheck = { ok: true; key: string | undefined } | { ok: false; reason: string };

/** The header's key, undefined when absent; a reason when it cannot be one. */
export function readIdempotencyKey(header: string | string[] | undefined): KeyCheck {
  if (header === undefined) return { ok: true, key: undefined };
  if (Array.isArray(header)) return { ok: false, reason: 'send one Idempotency-Key header' };
  if (header.length === 0 || header.length > MAX_KEY_LENGTH) return { ok: false, reason: `must be 1 to ${MAX_KEY_LENGTH} characters` };
  if (!VALID_KEY.test(header)) return { ok: false, reason: 'must be visible ASCII characters (spaces only inside)' };
  return { ok: true, key: header };
}

/** JSON with object keys sorted, so that the same body in another key order is the same request. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * What makes two requests the same: method, route, its parameters, the query (but `sessionId`,
 * which a cluster node adds when it forwards a request to the session's owner) and the body.
 */
export function requestFingerprint(parts: { method: string; route: string; params: unknown; query: Record<string, unknown> | undefined; body: unknown }): string {
  const { sessionId: _ignored, ...query } = parts.query ?? {};
  const text = canonicalJson([parts.method.toUpperCase(), parts.route, parts.params ?? {}, query, parts.body ?? null]);
  return createHash('sha256').update(text).digest('base64url');
}
