/**
 * The database a benchmark runs on: a fresh database on TEST_DATABASE_URL's server, or on a
 * private PostgreSQL started like the test suite's (the production shape); or, when asked, none
 * (the app's embedded PGlite).
 */
// @ts-expect-error plain ESM helper shared with the test suite
import { startPostgres, stopPostgres } from '../../test/support/postgres-server.mjs';
import { createTestDatabase } from '../../test/support/test-database.js';

export interface BenchDatabase {
  /** Unset for the embedded database. */
  url?: string;
  kind: string;
  close(): Promise<void>;
}

export async function openBenchDatabase(prefix: string, opts: { embedded?: boolean } = {}): Promise<BenchDatabase> {
  if (opts.embedded) return { kind: 'embedded PGlite', close: async () => undefined };
  const server = process.env.TEST_DATABASE_URL ? null : ((await startPostgres()) as { url: string });
  const db = await createTestDatabase(prefix, process.env.TEST_DATABASE_URL ?? server!.url);
  return {
    url: db.url,
    kind: server ? 'PostgreSQL 15 (private server, as test/support/postgres-server.mjs starts it)' : 'PostgreSQL (TEST_DATABASE_URL)',
    close: async () => {
      await db.drop();
      if (server) stopPostgres(server);
    },
  };
}
