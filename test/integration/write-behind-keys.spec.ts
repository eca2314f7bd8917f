/**
 * A socket's Signal key writes are write-behind (src/whatsapp/write-barrier.ts), on a real
 * PostgreSQL and a real WebSocket: `set()` returns before the commit and reads answer the new
 * values meanwhile; a frame sent after a write leaves only once that write has committed, in the
 * order frames were sent; the credentials are written after the keys handed over before them; and
 * when a write fails, the held frames are dropped, the socket is terminated, the session's later
 * writes are refused, and reads fall back to what is stored; a wipe refuses the queued writes; and a
 * writer waits once too many writes are uncommitted.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import WebSocket, { WebSocketServer } from 'ws';
import { PostgresAuthStateRepository } from '../../src/whatsapp/postgres-auth-state.js';
import { BarrierClosed, WriteBarrier, gateFrames } from '../../src/whatsapp/write-barrier.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

describe('write-behind Signal keys and the frame gate', () => {
  let db: TestDataSource;
  let dataSource: DataSource;
  let auth: PostgresAuthStateRepository;
  let server: WebSocketServer;
  /** What the server received, per connection, in order. */
  let received: string[];
  let serverClosed: Promise<void>;

  beforeAll(async () => {
    db = await openMigratedDataSource('writebehind');
    dataSource = db.dataSource;
    auth = new PostgresAuthStateRepository(dataSource);
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db?.close();
  });

  /** A client WebSocket to the server, open; frames the server gets land in `received`. */
  const connect = async (): Promise<WebSocket> => {
    received = [];
    const accepted = new Promise<void>((resolve) => server.once('connection', (socket) => {
      serverClosed = new Promise((closed) => socket.once('close', () => closed()));
      socket.on('message', (data) => received.push(String(data)));
      resolve();
    }));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise<void>((resolve, reject) => client.once('open', () => resolve()).once('error', reject));
    await accepted;
    return client;
  };
  const stored = async (sessionId: string, id: string): Promise<unknown> =>
    (await dataSource.query(`SELECT value FROM wa_auth_keys WHERE session_id = $1 AND type = 'lid-mapping' AND id = $2`, [sessionId, id]))[0]?.value;
  /** Resolves once the server has received `n` frames in all. */
  const framesReach = async (n: number): Promise<void> => {
    while (received.length < n) await new Promise((resolve) => setImmediate(resolve));
  };

  it('answers reads from memory before the commit, and sends each frame after the writes before it', async () => {
    const sessionId = randomUUID();
    const barrier = new WriteBarrier();
    const { state } = await auth.load(sessionId, undefined, barrier);
    const client = await connect();
    const gate = gateFrames(client as unknown as Parameters<typeof gateFrames>[0], barrier);

    // Held by a lock, the write cannot commit yet.
    const locker = await dataSource.createQueryRunner();
    await locker.startTransaction();
    await locker.query('LOCK TABLE wa_auth_keys IN EXCLUSIVE MODE');
    await state.keys.set({ 'lid-mapping': { a: '1' } });
    expect(await state.keys.get('lid-mapping', ['a'])).toEqual({ a: '1' });
    const sent: Array<Error | undefined> = [];
    client.send('receipt 1', (err) => sent.push(err));
    await state.keys.set({ 'lid-mapping': { a: '2' } });
    client.send('receipt 2', (err) => sent.push(err));
    // Both frames were taken (their callers go on) but neither has left.
    expect(sent).toEqual([undefined, undefined]);
    expect(await state.keys.get('lid-mapping', ['a'])).toEqual({ a: '2' });
    // A ping after them on the same connection: a frame sent before it would have arrived before its pong.
    await new Promise<void>((resolve) => {
      client.once('pong', () => resolve());
      client.ping();
    });
    expect(received).toEqual([]);
    expect(await stored(sessionId, 'a')).toBeUndefined();
    let flushed = false;
    const leaving = gate.flushed().then(() => (flushed = true));
    expect(flushed).toBe(false);

    await locker.commitTransaction();
    await locker.release();
    // Our own sends answer once their frames have left.
    await leaving;
    await framesReach(2);
    expect(received).toEqual(['receipt 1', 'receipt 2']);
    expect(await stored(sessionId, 'a')).toBe('2');
    // With nothing pending, a frame goes at once.
    client.send('ping');
    await framesReach(3);
    client.close();
  });

  it('writes the credentials only after the key writes handed over before them', async () => {
    const sessionId = randomUUID();
    const barrier = new WriteBarrier();
    const loaded = await auth.load(sessionId, undefined, barrier);
    const locker = await dataSource.createQueryRunner();
    await locker.startTransaction();
    await locker.query('LOCK TABLE wa_auth_keys IN EXCLUSIVE MODE');
    await loaded.state.keys.set({ 'lid-mapping': { e: '5' } });
    const order: string[] = [];
    const keys = loaded.keysCommitted().then(() => order.push('keys'));
    const creds = loaded.saveCreds().then(() => order.push('creds'));
    // Time for a credentials write that did not wait to commit (it is not held by the lock).
    for (let i = 0; i < 3; i++) await dataSource.query('SELECT 1');
    expect(order).toEqual([]);
    await locker.commitTransaction();
    await locker.release();
    await Promise.all([keys, creds]);
    expect(order).toEqual(['keys', 'creds']);
    expect((await dataSource.query('SELECT 1 FROM wa_auth_creds WHERE session_id = $1', [sessionId])).length).toBe(1);
  });

  it('makes a writer wait once too many writes are uncommitted (a stalled database)', async () => {
    const sessionId = randomUUID();
    const barrier = new WriteBarrier({ maxUncommitted: 3 });
    const { state } = await auth.load(sessionId, undefined, barrier);
    const locker = await dataSource.createQueryRunner();
    await locker.startTransaction();
    await locker.query('LOCK TABLE wa_auth_keys IN EXCLUSIVE MODE');
    // Two writes go on at once; the third reaches the bound and waits for all three.
    await state.keys.set({ 'lid-mapping': { k1: '1' } });
    await state.keys.set({ 'lid-mapping': { k2: '2' } });
    let third = false;
    const waiting = Promise.resolve(state.keys.set({ 'lid-mapping': { k3: '3' } })).then(() => (third = true));
    for (let i = 0; i < 3; i++) await dataSource.query('SELECT 1');
    expect(third).toBe(false);
    await locker.commitTransaction();
    await locker.release();
    await waiting;
    expect(await stored(sessionId, 'k3')).toBe('3');
    // Below the bound again: the next write goes on at once.
    await state.keys.set({ 'lid-mapping': { k4: '4' } });
    await barrier.until(barrier.mark);
  });

  it("refuses a wiped session's queued key writes, without waiting for them", async () => {
    const sessionId = randomUUID();
    const barrier = new WriteBarrier();
    const { state } = await auth.load(sessionId, undefined, barrier);
    const locker = await dataSource.createQueryRunner();
    await locker.startTransaction();
    await locker.query('LOCK TABLE wa_auth_keys IN EXCLUSIVE MODE');
    await state.keys.set({ 'lid-mapping': { f: '1' } });
    // Until that write is in flight (waiting for the lock): the next one queues behind it.
    const waiting = async () => (await dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%wa_auth_keys%'`)).length > 0;
    while (!(await waiting())) await new Promise((resolve) => setImmediate(resolve));
    await state.keys.set({ 'lid-mapping': { g: '2' } });
    const wiped = auth.wipe(sessionId);
    await expect(barrier.until(barrier.mark)).rejects.toBeInstanceOf(BarrierClosed);
    await locker.commitTransaction();
    await locker.release();
    await wiped;
    await expect(state.keys.set({ 'lid-mapping': { h: '3' } })).rejects.toBeInstanceOf(BarrierClosed);
    // Key writes commit one batch at a time, in order: once another session's later write is in, g's turn has passed.
    const other = await auth.load(randomUUID());
    await other.state.keys.set({ 'lid-mapping': { z: '9' } });
    expect(await stored(sessionId, 'g')).toBeUndefined();
    expect(await stored(sessionId, 'h')).toBeUndefined();
  });

  it('drops held frames, terminates the socket and refuses later writes when a write fails', async () => {
    const sessionId = randomUUID();
    const barrier = new WriteBarrier();
    const loaded = await auth.load(sessionId, undefined, barrier);
    const { state } = loaded;
    await state.keys.set({ 'lid-mapping': { b: 'kept' } });
    await barrier.until(barrier.mark);
    const client = await connect();
    const gate = gateFrames(client as unknown as Parameters<typeof gateFrames>[0], barrier);
    const terminated = new Promise<void>((resolve) => client.once('close', () => resolve()));

    await dataSource.query(`CREATE FUNCTION refuse_b() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 'b' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
    await dataSource.query('CREATE TRIGGER refuse_b BEFORE INSERT OR UPDATE ON wa_auth_keys FOR EACH ROW EXECUTE FUNCTION refuse_b()');
    try {
      await state.keys.set({ 'lid-mapping': { b: 'lost' } });
      client.send('must not leave');
      const flushed = gate.flushed();
      await state.keys.set({ 'lid-mapping': { c: 'after' } });
      await expect(barrier.until(barrier.mark)).rejects.toThrow('refused by the test');
      await expect(flushed).rejects.toThrow('refused by the test');
      await terminated;
      await serverClosed;
      expect(received).toEqual([]);
      // What the failed write and the one behind it would have stored is read from the database.
      expect(await state.keys.get('lid-mapping', ['b', 'c'])).toEqual({ b: 'kept' });
      expect(await stored(sessionId, 'c')).toBeUndefined();
      await expect(state.keys.set({ 'lid-mapping': { d: 'too late' } })).rejects.toThrow('refused by the test');
      await expect(loaded.keysCommitted()).rejects.toThrow('refused by the test');
    } finally {
      await dataSource.query('DROP TRIGGER refuse_b ON wa_auth_keys');
      await dataSource.query('DROP FUNCTION refuse_b()');
    }
  });
});
