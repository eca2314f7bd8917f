/**
 * What an `Idempotency-Key` costs a send in the database, apart from HTTP and WhatsApp: the real
 * IdempotencyService (src/idempotency/) on a fresh migrated PostgreSQL, with a send that answers at
 * once, timed from the call to the answer. A new key each time (the claim; the answer is stored
 * behind it), and a repeat of one key (the stored answer), interleaved. The end-to-end figure, on a
 * real send, is `npm run bench:sessions -- --pacing` (bench/support/send-pipeline.ts).
 *
 *   npm run bench:idempotency -- [--calls 5000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { summarize } from './support/stats.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '5000' } } });
const CALLS = Number(values.calls);
const WARM_UP = 200;

async function main(): Promise<void> {
  await loadAppModules(); // registers the decorator-metadata hooks before src/ is imported
  const { DataSource } = await import('typeorm');
  const { loadConfig } = await import('../src/config/app-config.js');
  const { buildDataSourceOptions } = await import('../src/database/data-source-options.js');
  const { createRootLogger } = await import('../src/common/logger.js');
  const { IdempotencyRepository } = await import('../src/idempotency/idempotency.repository.js');
  const { IdempotencyService } = await import('../src/idempotency/idempotency.service.js');
  const database = await openBenchDatabase('bench_idempotency');
  const dataSource = new DataSource((await buildDataSourceOptions(loadConfig({ DATABASE_URL: database.url! }))).options);
  await dataSource.initialize();
  await dataSource.runMigrations();
  const service = new IdempotencyService(new IdempotencyRepository(dataSource), createRootLogger('silent'));
  const tenantId = randomUUID();
  // The answer of seed 001's send-message, as the route stores it.
  const send = async () => ({ status: 200, body: { success: true, data: { messageId: '3EB0C0FFEE0123456789AB', to: '5491100000000@s.whatsapp.net', timestamp: 1_796_000_000 } } });
  const repeatKey = randomUUID();
  await service.run(tenantId, repeatKey, 'fingerprint', 'request', send);
  const newKeyMs: number[] = [];
  const repeatMs: number[] = [];
  for (let i = 0; i < CALLS + WARM_UP; i++) {
    let t0 = performance.now();
    await service.run(tenantId, randomUUID(), 'fingerprint', 'request', send);
    const fresh = performance.now() - t0;
    t0 = performance.now();
    const repeat = await service.run(tenantId, repeatKey, 'fingerprint', 'request', send);
    const repeated = performance.now() - t0;
    if (!repeat.replayed) throw new Error('the repeat was not answered from the store');
    if (i >= WARM_UP) {
      newKeyMs.push(fresh);
      repeatMs.push(repeated);
    }
  }
  await service.beforeApplicationShutdown();
  const stored = (await dataSource.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE tenant_id = $1 AND state = 'done'`, [tenantId]))[0].n as number;
  console.log(JSON.stringify({ database: database.kind, calls: CALLS, newKeyMs: summarize(newKeyMs), repeatedKeyMs: summarize(repeatMs), answersStored: stored }, null, 2));
  await dataSource.destroy();
  await database.close();
}

await main();
