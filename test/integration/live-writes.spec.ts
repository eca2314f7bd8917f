/**
 * Live message writes share transactions (src/chats/live-writes.ts) on a real PostgreSQL: writes
 * submitted together commit in one transaction, in order, with their events published after it;
 * a write that fails is tried alone and fails alone, and the session's caches are dropped.
 */
import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { LiveWrites } from '../../src/chats/live-writes.js';
import { createRootLogger } from '../../src/common/logger.js';
import { DomainEvents } from '../../src/events/domain-events.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

describe('live message writes (group commit)', () => {
  let db: TestDataSource;
  let dataSource: DataSource;
  let events: DomainEvents;

  beforeAll(async () => {
    db = await openMigratedDataSource('livewrites');
    dataSource = db.dataSource;
    await dataSource.query('CREATE TABLE written (n int PRIMARY KEY, txid bigint NOT NULL)');
    events = new DomainEvents(dataSource, createRootLogger('silent'));
  });
  afterAll(async () => {
    await db?.close();
  });

  const insert = (n: number) => async (t: { manager: { query: DataSource['query'] } }): Promise<string> => {
    const [row] = await t.manager.query('INSERT INTO written (n, txid) VALUES ($1, txid_current()) RETURNING txid::text AS txid', [n]);
    return row.txid as string;
  };

  it('commits writes submitted together in one transaction and answers each its result', async () => {
    const writes = new LiveWrites<string>(events, () => undefined);
    const txids = await Promise.all([1, 2, 3, 4].map((n) => writes.write(`s${n % 2}`, insert(n))));
    expect(new Set(txids).size).toBe(1);
    const rows: Array<{ n: number }> = await dataSource.query('SELECT n FROM written WHERE n <= 4 ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 4]);
  });

  it('tries each write alone when the shared transaction fails: only the bad one fails, and its session is forgotten', async () => {
    const forgotten: string[] = [];
    const writes = new LiveWrites<string>(events, (sessionId) => forgotten.push(sessionId));
    const results = await Promise.allSettled([
      writes.write('good-1', insert(10)),
      writes.write('bad', insert(10)), // the same key: a unique violation
      writes.write('good-2', insert(11)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/duplicate key/);
    const rows: Array<{ n: number }> = await dataSource.query('SELECT n FROM written WHERE n >= 10 ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([10, 11]);
    // Every session of the failed shared attempt, then the one whose write failed alone.
    expect(forgotten).toEqual(['good-1', 'bad', 'good-2', 'bad']);
  });
});
