/**
 * The chat identity and LID mapping caches (chat-identity.ts, lid-mappings.ts) on a real
 * PostgreSQL: a live message to a known chat costs no lookup and a repeated mapping no write,
 * but a new mapping, a merge or `forget` makes the next answer come from the database again, so
 * a cached answer never outlives what decided it.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { ChatIdentity } from '../../src/chats/chat-identity.js';
import { LidMappings } from '../../src/contacts/lid-mappings.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

describe('chat identity and LID mapping caches', () => {
  let db: TestDataSource;
  let dataSource: DataSource;
  let mappings: LidMappings;
  let identity: ChatIdentity;
  let queries: string[];
  let manager: EntityManager;
  const tenantId = randomUUID();

  beforeAll(async () => {
    db = await openMigratedDataSource('chatcache');
    dataSource = db.dataSource;
    // Every statement the caches let through is recorded.
    manager = { query: (sql: string, params?: unknown[]) => (queries.push(sql), dataSource.manager.query(sql, params)) } as unknown as EntityManager;
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(() => {
    mappings = new LidMappings();
    identity = new ChatIdentity(mappings);
    queries = [];
  });

  async function newSession(): Promise<string> {
    const id = randomUUID();
    await dataSource.query(`INSERT INTO wa_sessions (id, tenant_id, status) VALUES ($1, $2, 'connected')`, [id, tenantId]);
    return id;
  }

  it('answers a known address with no query, and the same chat as the database', async () => {
    const sessionId = await newSession();
    const address = { jid: '5491100000001@s.whatsapp.net', alt: '100000001@lid' };
    const first = await identity.resolve(manager, sessionId, tenantId, [address]);
    expect(queries.length).toBeGreaterThan(0);
    // The first answer came with a new mapping (a change): the second lookup is the one remembered.
    expect(await identity.resolve(manager, sessionId, tenantId, [address])).toEqual(first);
    queries = [];
    const again = await identity.resolve(manager, sessionId, tenantId, [address, { jid: '5491100000001:3@s.whatsapp.net', alt: '100000001:3@lid' }]);
    expect(queries).toEqual([]);
    expect(again.get(address.jid)).toEqual(first.get(address.jid));
    const [row] = await dataSource.query(`SELECT chat_id FROM wa_chat_aliases WHERE session_id = $1 AND jid = $2`, [sessionId, '100000001@lid']);
    expect(String(row.chat_id)).toBe(first.get(address.jid)!.id);
  });

  it('writes a repeated mapping once, and a changed one again', async () => {
    const sessionId = await newSession();
    const pair = { lid: '200000001@lid', pn: '5491100000002@s.whatsapp.net' };
    expect(await mappings.store(manager, sessionId, [pair])).toEqual([pair]);
    queries = [];
    expect(await mappings.store(manager, sessionId, [pair, { lid: '200000001:2@lid', pn: '5491100000002:2@s.whatsapp.net' }])).toEqual([]);
    expect(mappings.allKnown(sessionId, [pair])).toBe(true);
    expect(queries).toEqual([]);
    const changed = { lid: pair.lid, pn: '5491100000009@s.whatsapp.net' };
    expect(mappings.allKnown(sessionId, [changed])).toBe(false);
    expect(await mappings.store(manager, sessionId, [changed])).toEqual([changed]);
    expect(queries.length).toBe(1);
  });

  it('stops answering from the cache once a mapping merges a LID chat into the PN chat', async () => {
    const sessionId = await newSession();
    const lid = '300000001@lid';
    const pn = '5491100000003@s.whatsapp.net';
    const lidChat = (await identity.resolve(manager, sessionId, tenantId, [{ jid: lid }])).get(lid)!;
    const pnChat = (await identity.resolve(manager, sessionId, tenantId, [{ jid: pn }])).get(pn)!;
    expect(lidChat.id).not.toBe(pnChat.id);
    expect((await identity.resolve(manager, sessionId, tenantId, [{ jid: lid }])).get(lid)).toEqual(lidChat);

    // The mapping arrives (lid-mapping.update): both chats become one, the PN chat.
    const fresh = await mappings.store(manager, sessionId, [{ lid, pn }]);
    await identity.applyMappings(manager, sessionId, tenantId, fresh);
    queries = [];
    const after = (await identity.resolve(manager, sessionId, tenantId, [{ jid: lid }])).get(lid)!;
    expect(queries.length).toBeGreaterThan(0);
    expect(after).toEqual({ id: pnChat.id, jid: pn });
    expect(await dataSource.query(`SELECT 1 FROM wa_chats WHERE id = $1`, [lidChat.id])).toEqual([]);
  });

  it('drops what it knows of a session on forget (a start on this node, a wipe, a failed write)', async () => {
    const sessionId = await newSession();
    const address = { jid: '5491100000004@s.whatsapp.net' };
    await identity.resolve(manager, sessionId, tenantId, [address]);
    await mappings.store(manager, sessionId, [{ lid: '400000001@lid', pn: address.jid }]);
    identity.forget(sessionId);
    queries = [];
    await identity.resolve(manager, sessionId, tenantId, [address]);
    expect(queries.length).toBeGreaterThan(0);
    expect(mappings.allKnown(sessionId, [{ lid: '400000001@lid', pn: address.jid }])).toBe(false);
  });
});
