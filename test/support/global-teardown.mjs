import { stopPostgres } from './postgres-server.mjs';

export default function globalTeardown() {
  if (globalThis.__TEST_PG__) stopPostgres(globalThis.__TEST_PG__);
}
