/**
 * Boots the whole app on a random port against a fresh database on the suite's PostgreSQL
 * (or, with `embedded: true`, the embedded PGlite in a temp DATA_DIR).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { JWT_SIGNING_KEY } from '../../src/auth/signing-key.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createRootLogger } from '../../src/common/logger.js';
import { trustSimulatorRoot } from './app-process-runner.js';
import { createTestDatabase } from './test-database.js';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  config: AppConfig;
  /** The key access tokens are signed with (JWT_SECRET, or the one kept under DATA_DIR). */
  jwtSecret: string;
  databaseUrl?: string;
  dataDir: string;
  /** Closes the app; keeps the database unless `drop` (then also the data dir). */
  close(opts?: { drop?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  embedded?: boolean;
  /** Reuse an existing database (a second instance, or a restart). */
  databaseUrl?: string;
  dataDir?: string;
  /** Receives the app's JSON log lines (LOG_LEVEL still decides which). */
  logTo?: { write(line: string): void };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wa-test-data-'));
  let databaseUrl = options.databaseUrl;
  let drop: (() => Promise<void>) | undefined;
  if (!options.embedded && !databaseUrl) {
    const db = await createTestDatabase('app');
    databaseUrl = db.url;
    drop = db.drop;
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    // Tests sign up many users from 127.0.0.1: the per-IP sign-up limit is tested on its own.
    SIGNUP_MAX_PER_IP: '1000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...trustSimulatorRoot(options.env ?? {}),
    ...options.env,
  });
  const { app } = await createApp(config, createRootLogger(config.logLevel, options.logTo));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    config,
    jwtSecret: app.get<string>(JWT_SIGNING_KEY),
    databaseUrl,
    dataDir,
    close: async (opts = {}) => {
      await app.close();
      if (opts.drop) {
        if (drop) await drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
