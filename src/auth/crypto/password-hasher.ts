/**
 * Password hashing with scrypt from node:crypto: memory-hard, no native addon. The stored string
 * carries its own parameters and salt (`scrypt$N$r$p$salt$hash`, base64url), so the cost can be
 * raised later: `needsRehash()` tells the login flow to upgrade an old hash.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  keyLength: number;
  saltLength: number;
}

/** ~32 MiB and a few tens of milliseconds per hash on a current server core. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 };

/** Upper bounds for parameters read back from storage, so a corrupted row cannot exhaust memory. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function maxmemFor(N: number, r: number, p: number): number {
  // scrypt needs 128 * N * r bytes (+ 128 * r * p); leave headroom above Node's 32 MiB default.
  return 128 * N * r + 128 * r * p + 16 * 1024 * 1024;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((v) => (/^\d{1,8}$/.test(v) ? Number(v) : NaN));
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p)) return null;
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return null;
  const salt = Buffer.from(parts[4], 'base64url');
  const hash = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || hash.length < 16 || hash.length > 128) return null;
  return { N, r, p, salt, hash };
}

export class PasswordHasher {
  private dummyHash?: Promise<string>;

  constructor(private readonly params: ScryptParams = DEFAULT_SCRYPT_PARAMS) {}

  async hash(password: string): Promise<string> {
    const { N, r, p, keyLength, saltLength } = this.params;
    const salt = randomBytes(saltLength);
    const key = await scryptAsync(password, salt, keyLength, { N, r, p, maxmem: maxmemFor(N, r, p) });
    return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Constant-time check; false (never an exception) for a malformed stored hash. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const { N, r, p, salt, hash } = parsed;
    const key = await scryptAsync(password, salt, hash.length, { N, r, p, maxmem: maxmemFor(N, r, p) });
    return timingSafeEqual(key, hash);
  }

  /**
   * Spends the same work as `verify` against a hash no password matches: used when the account
   * does not exist, so response time does not reveal which e-mail addresses are registered.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await this.verify(password, await this.dummyHash);
    return false;
  }

  needsRehash(stored: string): boolean {
    const parsed = parse(stored);
    if (!parsed) return true;
    const { N, r, p, keyLength } = this.params;
    return parsed.N !== N || parsed.r !== r || parsed.p !== p || parsed.hash.length !== keyLength;
  }
}
