/**
 * Signal key writes of many sessions share transactions (group commit, postgres-auth-state.ts),
 * on a real PostgreSQL: each write is visible once its caller resolves, a session whose fence
 * refuses is left out of the shared transaction alone, and a transaction that fails rejects every
 * caller in it and stores nothing of any of them. A batch without fences that is one statement
 * runs without BEGIN/COMMIT.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PostgresAuthStateRepository, type WriteFence } from '../../src/whatsapp/postgres-auth-state.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

describe('group-committed Signal key writes', () => {
  let db: TestDataSource;
  let dataSource: DataSource;
  let auth: PostgresAuthStateRepository;

  beforeAll(async () => {
    db = await openMigratedDataSource('keygroup');
    dataSource = db.dataSource;
    auth = new PostgresAuthStateRepository(dataSource);
  });
  afterAll(async () => {
    await db?.close();
  });

  const stored = async (sessionId: string): Promise<Record<string, unknown>> => {
    const rows: Array<{ id: string; value: unknown }> = await dataSource.query(`SELECT id, value FROM wa_auth_keys WHERE session_id = $1 AND type = 'lid-mapping' ORDER BY id`, [sessionId]);
    return Object.fromEntries(rows.map((r) => [r.id, r.value]));
  };

  it('makes every write visible by the time its caller resolves, many sessions at once', async () => {
    const sessions = Array.from({ length: 20 }, () => randomUUID());
    const states = await Promise.all(sessions.map((id) => auth.load(id)));
    await Promise.all(states.map(async ({ state }, s) => {
      for (let i = 0; i < 5; i++) {
        await state.keys.set({ 'lid-mapping': { [`549110000${s}`]: `${1000 + i}` } });
        // Read back outside the repository: the row is committed, not only cached.
        expect(await stored(sessions[s]!)).toEqual({ [`549110000${s}`]: `${1000 + i}` });
      }
    }));
  });

  it('leaves out only the writes of a session whose fence refuses, in a shared transaction', async () => {
    const kept = randomUUID();
    const fencedOut = randomUUID();
    const a = await auth.load(kept);
    // Lost after load (which checks the fence too), as a lease taken over by another node is.
    let refuse = false;
    const later: WriteFence = { check: async () => { if (refuse) throw new Error('fenced'); } };
    const c = await auth.load(fencedOut, later);
    refuse = true;
    const results = await Promise.allSettled([
      a.state.keys.set({ 'lid-mapping': { k: 'kept' } }),
      c.state.keys.set({ 'lid-mapping': { k: 'refused' } }),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: undefined });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'fenced' } });
    expect(await stored(kept)).toEqual({ k: 'kept' });
    expect(await stored(fencedOut)).toEqual({});
    // Nor does the refused value show through the cache.
    expect(await c.state.keys.get('lid-mapping', ['k'])).toEqual({});
  });

  it('rejects every caller of a transaction that fails, and stores nothing of it', async () => {
    const plain = randomUUID();
    const broken = randomUUID();
    let fail = false;
    // A fence whose own statement fails aborts the whole transaction (unlike a refusal).
    const failing: WriteFence = { check: async (manager) => { if (fail) await manager.query('SELECT 1 / 0'); } };
    const p = await auth.load(plain);
    const q = await auth.load(broken, failing);
    fail = true;
    const results = await Promise.allSettled([
      p.state.keys.set({ 'lid-mapping': { k: 'plain' } }),
      q.state.keys.set({ 'lid-mapping': { k: 'broken' } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await stored(plain)).toEqual({});
    expect(await stored(broken)).toEqual({});
    // The next write goes through.
    fail = false;
    await p.state.keys.set({ 'lid-mapping': { k: 'plain' } });
    expect(await stored(plain)).toEqual({ k: 'plain' });
  });

  it('applies the writes of one key within a batch in order: the last one wins', async () => {
    const id = randomUUID();
    const { state } = await auth.load(id);
    await Promise.all([
      state.keys.set({ 'lid-mapping': { k: 'first', gone: 'x' } }),
      state.keys.set({ 'lid-mapping': { k: 'second', gone: null } }),
    ]);
    expect(await stored(id)).toEqual({ k: 'second' });
    expect(await state.keys.get('lid-mapping', ['k', 'gone'])).toEqual({ k: 'second' });
  });

  it('commits a batch of only deletions (one statement, no transaction around it), many sessions at once', async () => {
    const sessions = Array.from({ length: 5 }, () => randomUUID());
    const states = await Promise.all(sessions.map((id) => auth.load(id)));
    await Promise.all(states.map(({ state }) => state.keys.set({ 'lid-mapping': { a: '1', b: '2' } })));
    await Promise.all(states.map(({ state }) => state.keys.set({ 'lid-mapping': { a: null } })));
    for (const id of sessions) expect(await stored(id)).toEqual({ b: '2' });
  });

  it("does not rewrite a group's sender-key memory that Baileys hands back unchanged, and writes it once it grows", async () => {
    const id = randomUUID();
    const gid = '120363000000000001@g.us';
    const memory = async (): Promise<unknown> => (await dataSource.query(`SELECT value FROM wa_auth_keys WHERE session_id = $1 AND type = 'sender-key-memory' AND id = $2`, [id, gid]))[0]?.value;
    const { state } = await auth.load(id);
    await state.keys.set({ 'sender-key-memory': { [gid]: { 'a@lid': true, 'b@lid': true } } });
    expect(await memory()).toEqual({ 'a@lid': true, 'b@lid': true });
    // A marker in the row shows whether the next set writes it again.
    await dataSource.query(`UPDATE wa_auth_keys SET value = '{"marker": true}' WHERE session_id = $1 AND type = 'sender-key-memory'`, [id]);
    // As Baileys does on a send: get, (nothing to add), set the same object back.
    const map = (await state.keys.get('sender-key-memory', [gid]))[gid]!;
    await state.keys.set({ 'sender-key-memory': { [gid]: map } });
    expect(await memory()).toEqual({ marker: true });
    // A device that got the key since: the map grows in place and is written whole.
    map['c@lid'] = true;
    await state.keys.set({ 'sender-key-memory': { [gid]: map } });
    expect(await memory()).toEqual({ 'a@lid': true, 'b@lid': true, 'c@lid': true });
    // A new object with the same entries (not one the store handed out) is written too.
    await state.keys.set({ 'sender-key-memory': { [gid]: { 'a@lid': true } } });
    expect(await memory()).toEqual({ 'a@lid': true });
    // Deleted whole (a group change): gone.
    await state.keys.set({ 'sender-key-memory': { [gid]: null } });
    expect(await memory()).toBeUndefined();
  });
});
