/**
 * DomainEvents.transaction with `alone` (src/events/domain-events.ts) on a real PostgreSQL: the
 * statement runs without BEGIN/COMMIT only when nothing has to commit with it (no transactional
 * handler for the declared types, no sequencer); otherwise it is the usual transaction. Either
 * way the commit handlers get the events after the statement, and nothing when the work throws.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { createRootLogger } from '../../src/common/logger.js';
import { DomainEvents, type EventSequencer } from '../../src/events/domain-events.js';
import type { DomainEvent } from '../../src/events/event-map.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

describe('DomainEvents.transaction alone', () => {
  let db: TestDataSource;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await openMigratedDataSource('eventsalone');
    dataSource = db.dataSource;
  });
  afterAll(async () => {
    await db?.close();
  });

  const payload = (sessionId: string) => ({ tenantId: randomUUID(), id: sessionId, status: 'init' as const, createdAt: new Date().toISOString() });
  const txid = async (manager: EntityManager): Promise<string> => ((await manager.query('SELECT txid_current()::text AS id')) as Array<{ id: string }>)[0]!.id;
  /** Two statements of `work`'s manager: the same transaction id when they run inside one. */
  const run = (events: DomainEvents, sessionId: string) =>
    events.transaction(async (tx) => {
      const ids = [await txid(tx.manager), await txid(tx.manager)];
      await tx.emit('session.created', sessionId, payload(sessionId));
      return ids;
    }, ['session.created']);

  it('runs without a transaction when no handler writes with the declared events, and publishes them after', async () => {
    const events = new DomainEvents(dataSource, createRootLogger('silent'));
    const seen: string[] = [];
    events.onCommit('session.created', (e) => void seen.push(e.sessionId));
    const sessionId = randomUUID();
    const [first, second] = await run(events, sessionId);
    expect(first).not.toBe(second);
    expect(seen).toEqual([sessionId]);
  });

  it('takes a transaction when a declared type has a transactional handler', async () => {
    const events = new DomainEvents(dataSource, createRootLogger('silent'));
    const written: string[] = [];
    events.inTransaction('session.created', async (manager) => void written.push(await txid(manager)));
    const [first, second] = await run(events, randomUUID());
    expect(first).toBe(second);
    expect(written).toEqual([first]);
  });

  it('takes a transaction when a sequencer numbers the events', async () => {
    const events = new DomainEvents(dataSource, createRootLogger('silent'));
    const numbered: string[] = [];
    const sequencer: EventSequencer = {
      assign: async (manager: EntityManager, list: readonly DomainEvent[]) => void numbered.push(`${await txid(manager)}:${list.length}`),
      current: async () => new Map(),
    };
    events.useSequencer(sequencer);
    const [first, second] = await run(events, randomUUID());
    expect(first).toBe(second);
    expect(numbered).toEqual([`${first}:1`]);
  });

  it('publishes nothing when the work throws, and refuses a type it did not declare', async () => {
    const events = new DomainEvents(dataSource, createRootLogger('silent'));
    const seen: string[] = [];
    events.onAnyCommit((e) => void seen.push(e.type));
    const sessionId = randomUUID();
    await expect(events.transaction(async (tx) => {
      await tx.emit('session.created', sessionId, payload(sessionId));
      throw new Error('the statement failed');
    }, ['session.created'])).rejects.toThrow('the statement failed');
    await expect(events.transaction(async (tx) => {
      await tx.emit('session.deleted', sessionId, { tenantId: randomUUID() });
    }, ['session.created'])).rejects.toThrow('session.deleted was not declared');
    expect(seen).toEqual([]);
  });
});
