/**
 * The two-lane pool (src/database/connection-lanes.ts) on a real PostgreSQL: session work never
 * holds more than its slots, a request gets a connection while session work waits for one, the
 * waiters are served in order as connections come back, and with a single connection (as the
 * embedded database has) a request passes the session waiters.
 */
import type pg from 'pg';
import { LanePool, inSessionLane, sessionSlots } from '../../src/database/connection-lanes.js';
import { createTestDatabase } from '../support/test-database.js';

describe('connection lanes', () => {
  let database: { url: string; drop: () => Promise<void> };
  const pools: LanePool[] = [];
  const checkedOut: pg.PoolClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('lanes');
  });
  afterAll(async () => {
    // A failed test may leave clients out: give them back, so that the pools can end.
    for (const client of checkedOut) {
      try {
        client.release();
      } catch {
        // released already
      }
    }
    // pg-pool's end() resolves before its clients' connections have closed; the database is
    // dropped WITH (FORCE), which would make a backend still closing send its idle client an error.
    const closed = pools.map((p) => new Promise<void>((resolve) => {
      let left = p.totalCount;
      if (left === 0) resolve();
      p.on('remove', () => {
        if (--left === 0) resolve();
      });
    }));
    await Promise.all(pools.map((p) => p.end()));
    await Promise.all(closed);
    await database?.drop();
  });

  const open = (max: number): LanePool => {
    const pool = new LanePool({ connectionString: database.url, max });
    pools.push(pool);
    return pool;
  };
  /** A checkout in the session lane, with the order in which it got its connection. */
  const sessionCheckout = (pool: LanePool, order: string[], label: string): Promise<pg.PoolClient> =>
    inSessionLane(() => pool.connect()).then((client) => {
      order.push(label);
      checkedOut.push(client);
      return client;
    });
  const requestCheckout = (pool: LanePool, order: string[], label: string): Promise<pg.PoolClient> =>
    pool.connect().then((client) => {
      order.push(label);
      checkedOut.push(client);
      return client;
    });

  it('gives session work all but a fifth of the connections, at least one', () => {
    expect([1, 2, 5, 10, 20, 50].map(sessionSlots)).toEqual([1, 1, 4, 8, 16, 40]);
  });

  it('keeps connections for requests while session work waits, and serves the session waiters in order', async () => {
    const pool = open(5);
    const order: string[] = [];
    const held: pg.PoolClient[] = [];
    for (const i of [0, 1, 2, 3]) held.push(await sessionCheckout(pool, order, `session ${i}`));
    const waiting = [sessionCheckout(pool, order, 'session 4'), sessionCheckout(pool, order, 'session 5')];
    expect(pool.laneStats).toMatchObject({ sessionHeld: 4, sessionWaiting: 2 });

    // The fifth connection is free for a request, though two session checkouts wait.
    const request = await requestCheckout(pool, order, 'request');
    expect((await request.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    request.release();

    held[0]!.release();
    const fifth = await waiting[0]!;
    expect(pool.laneStats).toMatchObject({ sessionHeld: 4, sessionWaiting: 1 });
    held[1]!.release();
    const sixth = await waiting[1]!;
    expect(order).toEqual(['session 0', 'session 1', 'session 2', 'session 3', 'request', 'session 4', 'session 5']);
    for (const client of [fifth, sixth, held[2]!, held[3]!]) client.release();
    expect(pool.laneStats).toEqual({ sessionHeld: 0, sessionWaiting: 0, sessionCheckouts: 6, otherCheckouts: 1 });
  });

  it('with one connection, lets a request pass the session work that waits', async () => {
    const pool = open(1);
    const order: string[] = [];
    const first = await sessionCheckout(pool, order, 'session 0');
    const second = sessionCheckout(pool, order, 'session 1');
    const third = sessionCheckout(pool, order, 'session 2');
    const request = requestCheckout(pool, order, 'request');
    first.release();
    (await request).release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(['session 0', 'request', 'session 1', 'session 2']);
  });

  it('follows session work through callbacks and timers it sets off, and only there', async () => {
    const pool = open(5);
    await inSessionLane(() => new Promise<void>((resolve) => {
      setTimeout(() => {
        void pool.query('SELECT 1').then(() => resolve());
      }, 1);
    }));
    await pool.query('SELECT 1');
    expect(pool.laneStats).toMatchObject({ sessionCheckouts: 1, otherCheckouts: 1 });
  });
});
