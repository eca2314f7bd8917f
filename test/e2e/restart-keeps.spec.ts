/**
 * What a restart keeps: access tokens signed with the key generated under DATA_DIR (no
 * JWT_SECRET), and sessions created with POST /sessions that wait for a scan.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNING_KEY_FILE } from '../../src/auth/signing-key.js';
import { call } from '../support/auth-helpers.js';
import { newUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

describe('restart without JWT_SECRET', () => {
  let t: TestApp | undefined;
  let db: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  beforeEach(async () => {
    db = await createTestDatabase('restart');
    dataDir = mkdtempSync(join(tmpdir(), 'wa-restart-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps access tokens valid: the key is generated once under DATA_DIR with mode 0600', async () => {
    t = await startTestApp({ env: { JWT_SECRET: '' }, databaseUrl: db.url, dataDir });
    expect(t.config.auth.jwtSecret).toBeUndefined();
    const user = await newUser(t);
    expect((await call(t, 'GET', '/users/me', { token: user.token })).status).toBe(200);
    expect(statSync(join(dataDir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    await t.close();
    t = await startTestApp({ env: { JWT_SECRET: '' }, databaseUrl: db.url, dataDir });
    const me = await call(t, 'GET', '/users/me', { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.userId });
  });
});
