/**
 * Cluster-mode ownership on a real PostgreSQL: claims, renewals and releases of session leases,
 * the epoch fence on credential and key writes (a node that lost the lease writes nothing), which
 * nodes placement may use when some lost Redis, and the per-session event sequence numbers.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { initAuthCreds } from '@whiskeysockets/baileys';
import { SessionEventSequencer } from '../../src/cluster/event-sequencer.js';
import { LeaseRepository } from '../../src/cluster/lease-repository.js';
import { createRootLogger } from '../../src/common/logger.js';
import { DomainEvents } from '../../src/events/domain-events.js';
import { PostgresAuthStateRepository, type WriteFence } from '../../src/whatsapp/postgres-auth-state.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

const TTL = 60_000;

describe('session leases and the write fence', () => {
  let db: TestDataSource;
  let dataSource: DataSource;
  let leases: LeaseRepository;
  let auth: PostgresAuthStateRepository;

  beforeAll(async () => {
    db = await openMigratedDataSource('leases');
    dataSource = db.dataSource;
    leases = new LeaseRepository(dataSource);
    auth = new PostgresAuthStateRepository(dataSource);
    await leases.register('node-a', 'http://a');
    await leases.register('node-b', 'http://b');
  });
  afterAll(async () => {
    await db?.close();
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

  it('gives no sessions to a node that lost Redis while another node reaches it, and all nodes when none does', async () => {
    await leases.register('node-r', 'http://r');
    const ids = async () => (await leases.liveNodes(TTL)).map((n) => n.id);
    expect(await ids()).toEqual(['node-a', 'node-b', 'node-r']);
    await leases.renew('node-r', 'http://r', new Map(), TTL, false);
    expect(await ids()).toEqual(['node-a', 'node-b']);
    expect(await leases.peerWithRedis('node-r', TTL)).toBe(true);
    expect((await leases.nodes()).find((n) => n.id === 'node-r')?.redisOk).toBe(false);
    // Nobody reaches Redis: every live node is used (sessions must run somewhere), and nobody hands over.
    await leases.renew('node-a', 'http://a', new Map(), TTL, false);
    await leases.renew('node-b', 'http://b', new Map(), TTL, false);
    expect(await ids()).toEqual(['node-a', 'node-b', 'node-r']);
    expect(await leases.peerWithRedis('node-r', TTL)).toBe(false);
    // A node that no longer beats does not count as a healthy peer.
    await leases.renew('node-a', 'http://a', new Map(), TTL, true);
    expect(await leases.peerWithRedis('node-r', TTL)).toBe(true);
    await dataSource.query(`UPDATE cluster_nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'node-a'`);
    expect(await leases.peerWithRedis('node-r', TTL)).toBe(false);
    for (const id of ['node-a', 'node-b']) await leases.renew(id, `http://${id.slice(-1)}`, new Map(), TTL, true);
    await leases.forget('node-r', TTL);
    expect(await ids()).toEqual(['node-a', 'node-b']);
  });

  it('numbers the public events of each session 1, 2, 3… in the committing transaction, whoever commits them', async () => {
    const logger = createRootLogger('silent');
    // Two "nodes": two buses on one database, as after a takeover.
    const first = new DomainEvents(dataSource, logger);
    const second = new DomainEvents(dataSource, logger);
    new SessionEventSequencer(first, dataSource).onModuleInit();
    new SessionEventSequencer(second, dataSource).onModuleInit();
    const [a, b] = [await newSession(), await newSession()];
    const tenantId = randomUUID();
    const seen: Array<[string, number | undefined]> = [];
    for (const bus of [first, second]) bus.onAnyCommit((e) => void seen.push([`${e.sessionId === a ? 'a' : 'b'} ${e.type}`, e.seq]));
    const disconnected = { tenantId, reason: null, disconnectedAt: new Date().toISOString() };
    await first.transaction(async (tx) => {
      await tx.emit('session.status.disconnected', a, disconnected);
      // Internal events get no number: they never reach a client, and would leave gaps.
      await tx.emit('session.deleted', b, { tenantId });
      await tx.emit('session.status.disconnected', b, disconnected);
      await tx.emit('session.status.disconnected', a, disconnected);
    });
    await second.transaction(async (tx) => {
      await tx.emit('session.status.connected', a, { tenantId, phone: null, connectedAt: new Date().toISOString() });
    });
    // A transaction that rolls back uses no number.
    await expect(second.transaction(async (tx) => {
      await tx.emit('session.status.disconnected', a, disconnected);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    // Concurrent transactions of one session: distinct, consecutive numbers.
    await Promise.all([1, 2, 3, 4].map((i) => (i % 2 ? first : second).transaction(async (tx) => {
      await tx.emit('session.status.disconnected', b, disconnected);
    })));
    expect(seen.slice(0, 5)).toEqual([
      ['a session.status.disconnected', 1],
      ['b session.deleted', undefined],
      ['b session.status.disconnected', 1],
      ['a session.status.disconnected', 2],
      ['a session.status.connected', 3],
    ]);
    expect(seen.slice(5).map(([, seq]) => seq).sort()).toEqual([2, 3, 4, 5]);
    // A session deleted in the committing transaction gets no number (and no error).
    await first.transaction(async (tx) => {
      await tx.manager.query('DELETE FROM wa_sessions WHERE id = $1', [a]);
      await tx.emit('session.status.disconnected', a, disconnected);
    });
    expect(seen.at(-1)).toEqual(['a session.status.disconnected', undefined]);
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
