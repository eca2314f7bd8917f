/**
 * The key access tokens are signed with: JWT_SECRET when set (required in production), otherwise
 * one generated on first boot and kept under DATA_DIR (mode 0600), so tokens survive a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';

export const JWT_SIGNING_KEY = Symbol('JWT_SIGNING_KEY');

export const SIGNING_KEY_FILE = 'jwt-signing-key';

export function resolveSigningKey(config: Pick<AppConfig, 'dataDir' | 'auth'>): string {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, SIGNING_KEY_FILE);
  try {
    // 'wx': two processes booting at once on one DATA_DIR agree on the first key written.
    writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 32) throw new Error(`${file} holds no usable signing key: delete it to generate a new one`);
  return key;
}
