/** A TypeORM DataSource on a fresh test database (test-database.ts), with every migration run: for integration specs. */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { ALL_ENTITIES } from '../../src/database/entities.js';
import { createTestDatabase } from './test-database.js';

export interface TestDataSource {
  dataSource: DataSource;
  /** Closes the DataSource and drops its database. */
  close(): Promise<void>;
}

export async function openMigratedDataSource(prefix: string): Promise<TestDataSource> {
  const db = await createTestDatabase(prefix);
  const dataSource = new DataSource((await buildDataSourceOptions(loadConfig({ DATABASE_URL: db.url, NODE_ENV: 'test' }), ALL_ENTITIES)).options);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await db.drop();
    },
  };
}
