/**
 * Opaque secrets handed to clients (refresh tokens, e-mail tokens, API keys). Each has the form
 * `<id>.<secret>`: the id finds the row, the secret is stored only as a SHA-256 digest and is
 * compared in constant time. A fast hash is enough because the secret is 256 random bits.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedSecret {
  /** Row id (UUID). */
  id: string;
  /** What the client receives. */
  token: string;
  /** What the database stores. */
  hash: string;
}

export interface ParsedSecret {
  id: string;
  secret: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** True when `secret` hashes to `storedHash`; constant time in the secret. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

export function issueSecret(prefix = ''): IssuedSecret {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${prefix}${id}.${secret}`, hash: hashSecret(secret) };
}

/** Splits a client-supplied token; null for anything that is not exactly `<prefix><uuid>.<secret>`. */
export function parseSecret(token: unknown, prefix = ''): ParsedSecret | null {
  if (typeof token !== 'string' || token.length > 200 || !token.startsWith(prefix)) return null;
  const rest = token.slice(prefix.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return null;
  const id = rest.slice(0, dot);
  const secret = rest.slice(dot + 1);
  if (!UUID.test(id) || !SECRET.test(secret)) return null;
  return { id: id.toLowerCase(), secret };
}
