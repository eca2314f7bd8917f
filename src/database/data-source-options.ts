/**
 * TypeORM options for both the app and the migration CLI: a real PostgreSQL when DATABASE_URL is
 * set, otherwise an embedded PGlite database stored under DATA_DIR.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { MIGRATIONS } from './migrations/index.js';
import { initEmbeddedDirectory } from './embedded-init.js';
import { usePreparedStatements } from './prepared-statement.js';
import { laneDriver } from './connection-lanes.js';

/**
 * PostgreSQL's defaults size shared memory for 100 connections and 128 MB of buffers, all inside
 * PGlite's WebAssembly heap; the embedded database has one connection and a small data set, so
 * 8 MB of buffers (docs/operations.md, "Memory") keep the heap near its 128 MB floor; the OS page cache
 * still caches the data files.
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=8MB', '-c', 'max_connections=5', '-c', 'temp_buffers=2MB', '-c', 'maintenance_work_mem=16MB'];

export interface DatabaseHandle {
  options: DataSourceOptions;
  /** The embedded database, when one is used: it must be closed after the DataSource. */
  embedded?: PGlite;
}

export async function buildDataSourceOptions(config: AppConfig, entities: DataSourceOptions['entities'] = []): Promise<DatabaseHandle> {
  usePreparedStatements(config.database.preparedStatements);
  const common = {
    type: 'postgres' as const,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: false,
    // node-postgres with a pool that keeps connections free for requests (connection-lanes.ts).
    driver: laneDriver,
  };
  if (config.database.url) {
    // A burst of sessions queues for connections: waiting is fine, failing a write is not.
    return { options: { ...common, url: config.database.url, poolSize: config.database.poolSize, extra: { connectionTimeoutMillis: 60_000 } } };
  }
  const dir = join(config.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  await initEmbeddedDirectory(dir);
  const embedded = new PGlite(dir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS] });
  return {
    embedded,
    options: {
      ...common,
      // The embedded database has a single connection: TypeORM queues queries on it.
      extra: createPgConfig(embedded),
      poolSize: 1,
      installExtensions: false,
      uuidExtension: 'pgcrypto',
    },
  };
}
