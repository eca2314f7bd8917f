import { startPostgres } from './postgres-server.mjs';

export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  const pg = await startPostgres();
  process.env.TEST_DATABASE_URL = pg.url;
  globalThis.__TEST_PG__ = pg;
}
