/**
 * The hand-written migrations are the schema's source of truth; the entities must declare exactly
 * what they create (names of indexes and constraints, defaults, foreign keys), or
 * `npm run migration:generate` proposes a destructive diff.
 */
import 'reflect-metadata';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { ALL_ENTITIES } from '../../src/database/entities.js';
import { createTestDatabase } from '../support/test-database.js';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * Expression indexes TypeORM cannot model: the entities declare them with `synchronize: false`, so
 * only the migrations create them.
 */
const MIGRATION_ONLY = [
  'CREATE INDEX mails_recipient_created_at_idx ON public.mails USING btree (lower((recipient)::text), created_at)',
  'CREATE UNIQUE INDEX users_email_lower_key ON public.users USING btree (lower((email)::text))',
];

/** Constraints (with their definitions), indexes and columns of the public schema, one line each. */
async function describeSchema(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const constraints = await client.query<{ t: string; name: string; def: string }>(
      `SELECT conrelid::regclass::text AS t, conname AS name, pg_get_constraintdef(oid) AS def
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
    );
    const indexes = await client.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'public'`);
    const columns = await client.query<{ t: string; c: string; type: string; nullable: string; def: string | null }>(
      `SELECT table_name AS t, column_name AS c, data_type AS type, is_nullable AS nullable, column_default AS def
         FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    return [
      ...constraints.rows.map((r) => `${r.t}: CONSTRAINT ${r.name} ${r.def}`),
      ...indexes.rows.map((r) => r.def),
      ...columns.rows.map((r) => `${r.t}.${r.c} ${r.type} nullable=${r.nullable} default=${r.def}`),
    ]
      .filter((line) => !line.includes('typeorm_migrations'))
      .sort();
  } finally {
    await client.end();
  }
}

async function dataSourceFor(url: string): Promise<DataSource> {
  return new DataSource((await buildDataSourceOptions(loadConfig({ DATABASE_URL: url, NODE_ENV: 'test' }), ALL_ENTITIES)).options);
}

describe('schema drift', () => {
  const databases: TestDatabase[] = [];
  const dataSources: DataSource[] = [];

  async function freshDataSource(prefix: string): Promise<{ url: string; dataSource: DataSource }> {
    const db = await createTestDatabase(prefix);
    databases.push(db);
    const dataSource = await dataSourceFor(db.url);
    dataSources.push(dataSource);
    await dataSource.initialize();
    return { url: db.url, dataSource };
  }

  afterAll(async () => {
    for (const dataSource of dataSources) if (dataSource.isInitialized) await dataSource.destroy();
    for (const db of databases) await db.drop();
  });

  it('leaves nothing for the schema builder to change after the migrations have run', async () => {
    const { dataSource } = await freshDataSource('drift');
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    expect(ran.length).toBeGreaterThan(0);

    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    const pending = upQueries.map((q) => q.query);
    if (pending.length > 0) {
      throw new Error(`The entities do not match the migrated schema; the schema builder would run:\n${pending.join(';\n')}`);
    }
    expect(pending).toEqual([]);
  });

  // The schema builder compares CHECK constraints by name only and ignores an index's WHERE clause:
  // building the schema from the entities alone and comparing the catalogs catches those too.
  it('builds from the entities alone the schema the migrations create, but for the expression indexes', async () => {
    const migrated = await freshDataSource('drift_mig');
    await migrated.dataSource.runMigrations({ transaction: 'each' });
    const synchronized = await freshDataSource('drift_sync');
    await synchronized.dataSource.synchronize();

    const fromMigrations = await describeSchema(migrated.url);
    const fromEntities = await describeSchema(synchronized.url);
    expect({
      onlyInMigrations: fromMigrations.filter((line) => !fromEntities.includes(line)),
      onlyInEntities: fromEntities.filter((line) => !fromMigrations.includes(line)),
    }).toEqual({ onlyInMigrations: MIGRATION_ONLY, onlyInEntities: [] });
  });
});
