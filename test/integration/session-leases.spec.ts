/**
 * Cluster-mode ownership on a real PostgreSQL: claims, renewals and releases of session leases,
 * and the epoch fence on credential and key writes (a node that lost the lease writes nothing).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { initAuthCreds } from '@whiskeysockets/baileys';
import { LeaseRepository } from '../../src/cluster/lease-repository.js';
import { loadConfig } from '../../src/config/app-config.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { ALL_ENTITIES } from '../../src/database/entities.js';
import { PostgresAuthStateRepository, type WriteFence } from '../../src/whatsapp/postgres-auth-state.js';
import { createTestDatabase } from '../support/test-database.js';

const TTL = 60_000;

describe('session leases and the write fence', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let leases: LeaseRepository;
  let auth: PostgresAuthStateRepository;

  beforeAll(async () => {
    db = await createTestDatabase('leases');
    dataSource = new DataSource((await buildDataSourceOptions(loadConfig({ DATABASE_URL: db.url, NODE_ENV: 'test' }), ALL_ENTITIES)).options);
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    leases = new LeaseRepository(dataSource);
    auth = new PostgresAuthStateRepository(dataSource);
    await leases.register('node-a', 'http://a');
    await leases.register('node-b', 'http://b');
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  async function newSession(): Promise<string> {
    const tenantId = randomUUID();
    const id = randomUUID();
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 't')`, [tenantId]);
    await dataSource.query(`INSERT INTO wa_sessions (id, tenant_id, status) VALUES ($1, $2, 'connected')`, [id, tenantId]);
    return id;
  }

  const fenceOf = (sessionId: string, nodeId: string, epoch: string): WriteFence => ({
    check: async (manager) => {
      if (!(await leases.holds(manager, sessionId, nodeId, epoch))) throw new Error('fenced');
    },
  });

  it('lets one node claim a free session, refuses the others until it expires or is released, and grows the epoch', async () => {
    const id = await newSession();
    expect(await leases.claim(id, 'node-a', TTL)).toBe('1');
    expect(await leases.claim(id, 'node-b', TTL)).toBeNull();
    expect(await leases.ownerOf(id)).toEqual({ nodeId: 'node-a', url: 'http://a' });
    await leases.release(id, 'node-a', '1');
    expect(await leases.ownerOf(id)).toBeNull();
    expect(await leases.claim(id, 'node-b', TTL)).toBe('2');
    // An expired lease can be taken over too.
    await dataSource.query(`UPDATE session_leases SET expires_at = now() - interval '1 second' WHERE session_id = $1`, [id]);
    expect(await leases.claim(id, 'node-a', TTL)).toBe('3');
  });

  it('renews only the leases a node still holds with its epoch', async () => {
    const kept = await newSession();
    const taken = await newSession();
    await leases.claim(kept, 'node-a', 1000);
    await leases.claim(taken, 'node-a', 1000);
    await dataSource.query(`UPDATE session_leases SET node_id = 'node-b', epoch = epoch + 1 WHERE session_id = $1`, [taken]);
    const renewed = await leases.renew('node-a', 'http://a', new Map([[kept, '1'], [taken, '1']]), TTL);
    expect([...renewed]).toEqual([kept]);
    const [{ left }] = (await dataSource.query(`SELECT (extract(epoch FROM expires_at - now()) * 1000)::float8 AS left FROM session_leases WHERE session_id = $1`, [kept])) as Array<{ left: number }>;
    expect(left).toBeGreaterThan(30_000);
  });

  it('writes credentials and keys while the epoch holds, and refuses both, changing nothing, once another node took the lease', async () => {
    const id = await newSession();
    const epoch = (await leases.claim(id, 'node-a', TTL))!;
    const loaded = await auth.load(id, fenceOf(id, 'node-a', epoch));
    await loaded.saveCreds();
    await loaded.state.keys.set({ session: { 'peer.0': Buffer.from('one') as never } });
    const before = (await dataSource.query('SELECT creds::text AS creds, updated_at FROM wa_auth_creds WHERE session_id = $1', [id])) as Array<{ creds: string; updated_at: Date }>;
    expect(before).toHaveLength(1);

    // node-b takes the session over (the epoch grows): node-a's writes must fail and leave no trace.
    await dataSource.query(`UPDATE session_leases SET expires_at = now() - interval '1 second' WHERE session_id = $1`, [id]);
    expect(await leases.claim(id, 'node-b', TTL)).toBe(String(Number(epoch) + 1));
    (loaded.state.creds as { registrationId: number }).registrationId = initAuthCreds().registrationId + 1;
    await expect(loaded.saveCreds()).rejects.toThrow('fenced');
    await expect(loaded.state.keys.set({ session: { 'peer.0': Buffer.from('two') as never, 'peer.1': Buffer.from('new') as never } })).rejects.toThrow('fenced');
    const after = (await dataSource.query('SELECT creds::text AS creds, updated_at FROM wa_auth_creds WHERE session_id = $1', [id])) as Array<{ creds: string; updated_at: Date }>;
    expect(after).toEqual(before);
    const keys = (await dataSource.query(`SELECT id FROM wa_auth_keys WHERE session_id = $1 ORDER BY id`, [id])) as Array<{ id: string }>;
    expect(keys.map((k) => k.id)).toEqual(['peer.0']);
    const fresh = await auth.load(id);
    expect(Buffer.from((await fresh.state.keys.get('session', ['peer.0']))['peer.0'] as unknown as Uint8Array).toString()).toBe('one');
  });

  it('makes a takeover wait for a write in flight, so that no write of the old owner lands after it', async () => {
    const id = await newSession();
    const epoch = (await leases.claim(id, 'node-a', TTL))!;
    await dataSource.query(`UPDATE session_leases SET expires_at = now() - interval '1 second' WHERE session_id = $1`, [id]);
    const order: string[] = [];
    let releaseWrite!: () => void;
    const held = new Promise<void>((r) => (releaseWrite = r));
    const writing = dataSource.transaction(async (manager) => {
      expect(await leases.holds(manager, id, 'node-a', epoch)).toBe(true);
      await held;
      await manager.query(`INSERT INTO wa_auth_creds (session_id, creds) VALUES ($1, '{}')`, [id]);
      order.push('write');
    });
    // The fence check holds a share lock: the takeover's UPDATE waits for the write's commit.
    await waitForLockedRow(dataSource, id);
    const takeover = leases.claim(id, 'node-b', TTL).then((e) => order.push(`takeover ${e}`));
    releaseWrite();
    await Promise.all([writing, takeover]);
    expect(order).toEqual(['write', `takeover ${Number(epoch) + 1}`]);
  });
});

/** Resolves once some transaction holds a row lock on the session's lease (pg_locks, no sleeps beyond a poll). */
async function waitForLockedRow(dataSource: DataSource, sessionId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const rows = (await dataSource.query(
      `SELECT 1 FROM session_leases WHERE session_id = $1 AND NOT EXISTS (SELECT 1 FROM session_leases l2 WHERE l2.session_id = $1 FOR UPDATE SKIP LOCKED)`,
      [sessionId],
    )) as unknown[];
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the lease row was never locked');
}
