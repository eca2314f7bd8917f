/**
 * The database a benchmark runs on: a fresh database on TEST_DATABASE_URL's server, or on a
 * private PostgreSQL started like the test suite's (the production shape); or, when asked, none
 * (the app's embedded PGlite).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
// @ts-expect-error plain ESM helper shared with the test suite
import { startPostgres, stopPostgres } from '../../test/support/postgres-server.mjs';

export interface BenchDatabase {
  /** Unset for the embedded database. */
  url?: string;
  kind: string;
  close(): Promise<void>;
}

export async function openBenchDatabase(prefix: string, opts: { embedded?: boolean } = {}): Promise<BenchDatabase> {
  if (opts.embedded) return { kind: 'embedded PGlite', close: async () => undefined };
  const server = process.env.TEST_DATABASE_URL ? null : ((await startPostgres()) as { url: string });
  const base = process.env.TEST_DATABASE_URL ?? server!.url;
  const name = `${prefix}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: server ? 'PostgreSQL 15 (private server, as test/support/postgres-server.mjs starts it)' : 'PostgreSQL (TEST_DATABASE_URL)',
    close: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      if (server) stopPostgres(server);
    },
  };
}
