/**
 * Live message writes share transactions (src/chats/live-writes.ts) on a real PostgreSQL: writes
 * of distinct sessions submitted together are prepared in order, their rows written by one call,
 * finished in order with what was written for each, and committed in one transaction; a session's
 * next write starts after its previous one finished; a write that fails is tried alone
 * and fails alone, and the session's caches are dropped. And the real message upsert
 * (src/chats/message-writer.ts) that they share: rows of several sessions in one statement, a stub
 * and its real content together in two rounds, the answer aligned with the rows.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LiveWrites, type LiveWrite } from '../../src/chats/live-writes.js';
import { MessageWriter, type MessageRow } from '../../src/chats/message-writer.js';
import { createRootLogger } from '../../src/common/logger.js';
import { DomainEvents, type EventTransaction } from '../../src/events/domain-events.js';
import type { WaMessageRecord } from '../../src/whatsapp/conversation-types.js';
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

  /** Every call of writeRows, and what each step saw, in order. */
  function harness() {
    const calls: number[][] = [];
    const steps: string[] = [];
    const writeRows = async (t: EventTransaction, rows: number[]): Promise<string[]> => {
      calls.push(rows);
      const out: Array<{ n: number; txid: string }> = await t.manager.query(
        'INSERT INTO written (n, txid) SELECT n, txid_current() FROM unnest($1::int[]) AS n RETURNING n, txid::text AS txid', [rows],
      );
      return rows.map((n) => out.find((r) => r.n === n)!.txid);
    };
    const write = (sessionId: string, rows: number[]): LiveWrite<number, string, string> => ({
      sessionId,
      prepare: async () => {
        steps.push(`prepare ${rows.join(',')}`);
        return rows;
      },
      finish: async (_t, written) => {
        steps.push(`finish ${rows.join(',')}`);
        expect(written).toHaveLength(rows.length);
        return `${rows.join(',')}@${new Set(written).size === 1 ? written[0] : 'mixed'}`;
      },
    });
    return { calls, steps, writeRows, write };
  }

  it('prepares writes of distinct sessions together, writes their rows in one call, finishes each with its own, in one transaction', async () => {
    const h = harness();
    const writes = new LiveWrites<number, string>(events, h.writeRows, () => undefined);
    const results = await Promise.all([['a', [1, 2]], ['b', [3]], ['c', []], ['d', [4, 5, 6]]].map(([session, rows]) => writes.write(h.write(session as string, rows as number[]))));
    expect(h.calls).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(h.steps).toEqual(['prepare 1,2', 'prepare 3', 'prepare ', 'prepare 4,5,6', 'finish 1,2', 'finish 3', 'finish ', 'finish 4,5,6']);
    const txid = results[0]!.split('@')[1];
    expect(results).toEqual([`1,2@${txid}`, `3@${txid}`, expect.stringMatching(/^@/), `4,5,6@${txid}`]);
    const rows: Array<{ n: number; txid: string }> = await dataSource.query('SELECT n, txid::text AS txid FROM written WHERE n <= 6 ORDER BY n');
    expect(rows).toEqual([1, 2, 3, 4, 5, 6].map((n) => ({ n, txid })));
  });

  it("prepares a session's second write of the batch only after its first finished, still in the one transaction", async () => {
    const h = harness();
    const writes = new LiveWrites<number, string>(events, h.writeRows, () => undefined);
    const results = await Promise.all([['s0', [21]], ['s1', [22]], ['s0', [23]], ['s1', [24]], ['s2', [25]]].map(([session, rows]) => writes.write(h.write(session as string, rows as number[]))));
    expect(h.calls).toEqual([[21, 22], [23, 24, 25]]);
    expect(h.steps).toEqual(['prepare 21', 'prepare 22', 'finish 21', 'finish 22', 'prepare 23', 'prepare 24', 'prepare 25', 'finish 23', 'finish 24', 'finish 25']);
    expect(new Set(results.map((r) => r.split('@')[1])).size).toBe(1);
  });

  it('tries each write alone when the shared transaction fails: only the bad one fails, and its session is forgotten', async () => {
    const h = harness();
    const forgotten: string[] = [];
    const writes = new LiveWrites<number, string>(events, h.writeRows, (sessionId) => forgotten.push(sessionId));
    const results = await Promise.allSettled([
      writes.write(h.write('good-1', [10])),
      writes.write(h.write('bad', [10])), // the same key: a unique violation
      writes.write(h.write('good-2', [11])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/duplicate key/);
    expect(h.calls).toEqual([[10, 10, 11], [10], [10], [11]]);
    const rows: Array<{ n: number }> = await dataSource.query('SELECT n FROM written WHERE n BETWEEN 10 AND 19 ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([10, 11]);
    // Every session of the failed shared attempt, then the one whose write failed alone.
    expect(forgotten).toEqual(['good-1', 'bad', 'good-2', 'bad']);
  });

  it('upserts the messages of several sessions in one statement, a stub and its content in two rounds, answering each row', async () => {
    const writer = new MessageWriter();
    const tenantId = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const chat = async (sessionId: string): Promise<string> =>
      String((await dataSource.query(`INSERT INTO wa_chats (session_id, tenant_id, jid) VALUES ($1, $2, '5491100000000@s.whatsapp.net') RETURNING id`, [sessionId, tenantId]))[0].id);
    const [chatA, chatB] = [await chat(a), await chat(b)];
    const record = (id: string, text: string | null, isStub = false): WaMessageRecord => ({
      id, remoteJid: '5491100000000@s.whatsapp.net', remoteJidAlt: null, fromMe: false, senderJid: null, senderPhone: null, pushName: null,
      timestamp: 1_767_000_000, type: isStub ? 'stub' : 'conversation', kind: isStub ? 'stub' : 'text', text, status: null, quotedId: null,
      forwarded: false, isStub, media: null, reaction: null, isProtocol: false, raw: Buffer.from(id),
    });
    const row = (sessionId: string, chatId: string, r: WaMessageRecord): MessageRow => ({ sessionId, tenantId, source: 'live', record: r, chatId, chatJid: r.remoteJid });
    const rows = [
      row(a, chatA, record('M1', null, true)), // a decrypt-failure stub…
      row(b, chatB, record('M1', 'same id, other session')),
      row(a, chatA, record('M1', 'the real content')), // …completed in the same batch
      row(a, chatA, record('M2', 'second')),
    ];
    const answered = await writer.upsert(dataSource.manager, rows);
    expect(answered.map((s) => s && { chatId: s.chatId, id: s.record.id, inserted: s.inserted })).toEqual([
      { chatId: chatA, id: 'M1', inserted: true },
      { chatId: chatB, id: 'M1', inserted: true },
      { chatId: chatA, id: 'M1', inserted: false },
      { chatId: chatA, id: 'M2', inserted: true },
    ]);
    expect(answered[0]!.rowId).toBe(answered[2]!.rowId);
    // A repeat changes nothing and is answered undefined.
    expect(await writer.upsert(dataSource.manager, [row(a, chatA, record('M2', 'second'))])).toEqual([undefined]);
    const stored: Array<{ session_id: string; wa_id: string; text: string; is_stub: boolean }> = await dataSource.query(
      'SELECT session_id, wa_id, text, is_stub FROM wa_messages WHERE tenant_id = $1 ORDER BY session_id = $2 DESC, wa_id', [tenantId, a],
    );
    expect(stored).toEqual([
      { session_id: a, wa_id: 'M1', text: 'the real content', is_stub: false },
      { session_id: a, wa_id: 'M2', text: 'second', is_stub: false },
      { session_id: b, wa_id: 'M1', text: 'same id, other session', is_stub: false },
    ]);
    const chats: Array<{ id: string; unread_count: number }> = await dataSource.query('SELECT id::text, unread_count FROM wa_chats WHERE tenant_id = $1 ORDER BY id', [tenantId]);
    // The stub was not unread, its completion is: M1 and M2 in chat A, M1 in chat B; the repeat is not.
    expect(chats).toEqual([{ id: chatA, unread_count: 2 }, { id: chatB, unread_count: 1 }]);
  });
});
