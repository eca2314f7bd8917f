/**
 * Baileys' AuthenticationState kept in PostgreSQL: credentials in `wa_auth_creds`, Signal keys in
 * `wa_auth_keys`. Each `set()` is one multi-row write (pairing uploads hundreds of pre-keys at
 * once), and the `set()`s of all sessions that queue up while a write is in flight share its next
 * transaction (group commit: every inbound message rewrites its Signal session before its receipt
 * goes out, one message at a time per socket). Values the cache shows stored are not rewritten.
 * Reads go through one bounded LRU cache shared by all sessions, so an idle session holds no keys
 * in memory. In cluster mode every write first passes the session's `WriteFence` in the write's
 * transaction (the owner's lease epoch, src/cluster): a node that lost the session can never write
 * its keys (in a shared key transaction, that session's writes alone are left out and rejected).
 * A socket's key writes are write-behind (write-barrier.ts): `set()` returns once the write is
 * queued, reads of a key being written are answered from `pending` until it commits, and the
 * socket's frames wait for the commit.
 */
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { initAuthCreds, proto, type AuthenticationCreds, type AuthenticationState, type SignalDataSet, type SignalDataTypeMap, type SignalKeyStore } from '@whiskeysockets/baileys';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { PreparedStatement } from '../database/prepared-statement.js';
import { decodeAuthJson, encodeAuthJson } from './auth-json.js';
import { compactBytes } from '../common/compact-bytes.js';
import { isPaired } from './event-translator.js';
import { GroupCommit } from './group-commit.js';
import { trimOwnSenderKey } from './own-sender-keys.js';
import type { WriteBarrier } from './write-barrier.js';
import { latestRows, writeKeyRows, type KeyRow } from './key-rows.js';

type KeyType = keyof SignalDataTypeMap;

// One JSON pass each way (jsonb read as text): 812 pre-keys are written per onboarding.
const encode = encodeAuthJson;
const decode = decodeAuthJson;

export interface LoadedAuthState {
  state: AuthenticationState;
  /** True when the session has paired before (its credentials carry `me`). */
  registered: boolean;
  /** Writes the credentials, after every key write handed over before the call has settled (so they are never ahead of the keys). */
  saveCreds(): Promise<void>;
  /** Resolves once every key write handed over so far has committed; rejects if one failed (write-behind: `set()` returns before). */
  keysCommitted(): Promise<void>;
}

/**
 * The guard of a session's credential and key writes (cluster mode). `check` runs first inside the
 * write's transaction and throws when this node no longer holds the session: the write rolls back.
 */
export interface WriteFence {
  check(manager: EntityManager): Promise<void>;
}

const READ_CREDS = new PreparedStatement('wa_auth_creds_read', 'SELECT creds::text AS creds FROM wa_auth_creds WHERE session_id = $1');
const WRITE_CREDS = new PreparedStatement('wa_auth_creds_write', `
  INSERT INTO wa_auth_creds (session_id, creds, updated_at) VALUES ($1, $2, now())
  ON CONFLICT (session_id) DO UPDATE SET creds = EXCLUDED.creds, updated_at = now()`);
const READ_KEYS = new PreparedStatement('wa_auth_keys_read', 'SELECT id, value::text AS value FROM wa_auth_keys WHERE session_id = $1 AND type = $2 AND id = ANY($3::text[])');
const MISSING = Symbol('missing');
type Cached = object | typeof MISSING;

interface KeyWrite {
  sessionId: string;
  fence?: WriteFence;
  /** The socket's barrier (write-behind): once it failed, the session's queued writes are refused. */
  barrier?: WriteBarrier;
  rows: KeyRow[];
}

/** A key being written behind (write-behind): its value, and the socket barrier that waits for it. */
interface PendingKey {
  value: Cached;
  barrier: WriteBarrier;
}

/** A key written: what reads see until the commit, and what the cache shows after it (`drop`: nothing). */
interface CacheChange {
  key: string;
  value: Cached;
  drop?: boolean;
  size?: number;
}

/**
 * Baileys updates its credentials in bursts (pre-key counters, sync state). Calls made while a
 * write is in flight share one follow-up write of the then-current object: every caller still
 * resolves only once a write that started after its call has committed.
 */
function coalesce(write: () => Promise<void>): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const run = (): Promise<void> => {
    inFlight = write().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  return () => {
    if (!inFlight) return run();
    next ??= inFlight.catch(() => undefined).then(() => {
      next = undefined;
      return run();
    });
    return next;
  };
}

const KEY_ROWS_PER_COMMIT = 4_000;

@Injectable()
export class PostgresAuthStateRepository {
  /**
   * At most 50,000 keys and 64 MiB of their stored text (a session record is 1–10 kB): values are
   * cached as compact copies (compact-bytes.ts), so what the cache holds is what it counts.
   */
  private readonly cache = new LRUCache<string, Cached>({ max: 50_000, maxSize: 64 * 2 ** 20, sizeCalculation: () => 64 });
  /** Key reads in flight, shared by concurrent readers of the same key. */
  private readonly reads = new Map<string, Promise<Cached>>();
  /**
   * Every session's Signal key writes (one per inbound message) share transactions, of at most
   * KEY_ROWS_PER_COMMIT rows: a burst of pairings writes 812 pre-keys each, and node-postgres turns
   * a statement's parameters into text in one synchronous step (tens of sessions' batches held the
   * event loop for hundreds of milliseconds).
   */
  private readonly keyWrites = new GroupCommit<KeyWrite>((writes) => this.commitKeys(writes), { maxWeight: KEY_ROWS_PER_COMMIT, weigh: (w) => w.rows.length });
  /**
   * A group's `sender-key-memory` (the devices that hold our sender key) is read, extended in place
   * and written back whole by Baileys with every group send: ~60 kB of JSON for 1,000 members.
   * Baileys only adds entries to it (or deletes it whole), so a map the store handed out with as
   * many entries as it had then is unchanged, and is not rewritten (the count is kept per object).
   */
  private readonly memoryEntries = new WeakMap<object, number>();
  /** Keys whose write-behind write has not committed yet: what reads answer meanwhile, and whose. */
  private readonly pending = new Map<string, PendingKey>();
  /** Each session's current socket barrier (a wipe closes it). */
  private readonly barriers = new Map<string, WriteBarrier>();

  constructor(private readonly dataSource: DataSource) {}

  /** `barrier`: the socket's (write-behind key writes, see write-barrier.ts); without one, `set()` waits for the commit. */
  async load(sessionId: string, fence?: WriteFence, barrier?: WriteBarrier): Promise<LoadedAuthState> {
    // Every (re)connect of a fenced session starts with the check: a node that lost the lease
    // meanwhile does not log in again (a second live socket would replace the new owner's).
    if (fence) await this.dataSource.transaction((manager) => fence.check(manager));
    const rows: Array<{ creds: string }> = await READ_CREDS.run(this.dataSource, [sessionId]);
    const creds: AuthenticationCreds = rows[0] ? decode<AuthenticationCreds>(rows[0].creds) : initAuthCreds();
    // An abandoned pairing-code attempt left its provisional `me`: Baileys would log in with it (401).
    if (!isPaired(creds)) {
      delete (creds as Partial<AuthenticationCreds>).me;
      creds.pairingCode = undefined;
    }
    if (barrier) {
      this.barriers.set(sessionId, barrier);
      barrier.onFailure(() => this.dropPending(barrier));
    }
    const keys: SignalKeyStore = {
      get: (type, ids) => this.getKeys(sessionId, type, ids),
      set: (data) => this.setKeys(sessionId, data, fence, barrier),
      clear: () => this.wipe(sessionId),
    };
    return {
      state: { creds, keys },
      registered: isPaired(creds),
      saveCreds: coalesce(async () => {
        await barrier?.drained();
        await this.writeCreds(sessionId, creds, fence);
      }),
      keysCommitted: () => (barrier ? barrier.until(barrier.mark) : Promise.resolve()),
    };
  }

  async hasCredentials(sessionId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM wa_auth_creds WHERE session_id = $1 AND creds ? 'me' AND creds->'me'->>'name' IS DISTINCT FROM '~'`, [sessionId]);
    return rows.length > 0;
  }

  /** Deletes every credential and key of a session, and its unreleased inbound journal (logout, delete). */
  async wipe(sessionId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const barrier = this.barriers.get(sessionId);
    if (barrier) {
      // Writes still queued would bring keys back after the deletion: they are refused. Not waited
      // for: the caller may hold a transaction, and the embedded database has one connection.
      barrier.close();
      this.barriers.delete(sessionId);
    }
    await manager.query('DELETE FROM wa_inbound_journal WHERE session_id = $1', [sessionId]);
    await manager.query('DELETE FROM wa_auth_keys WHERE session_id = $1', [sessionId]);
    await manager.query('DELETE FROM wa_auth_creds WHERE session_id = $1', [sessionId]);
    for (const key of this.cache.keys()) if (key.startsWith(`${sessionId}|`)) this.cache.delete(key);
  }

  private async writeCreds(sessionId: string, creds: AuthenticationCreds, fence?: WriteFence): Promise<void> {
    const write = (manager: EntityManager) => WRITE_CREDS.run(manager, [sessionId, encode(creds)]);
    if (!fence) {
      await write(this.dataSource.manager);
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      await fence.check(manager);
      await write(manager);
    });
  }

  private async getKeys<T extends KeyType>(sessionId: string, type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const out: { [id: string]: SignalDataTypeMap[T] } = {};
    const missing: string[] = [];
    const pending: Array<Promise<void>> = [];
    const take = (id: string, read: Promise<Cached>): void => {
      pending.push(read.then((value) => {
        if (value !== MISSING) out[id] = value as SignalDataTypeMap[T];
      }));
    };
    for (const id of ids) {
      const key = `${sessionId}|${type}|${id}`;
      const written = this.pending.get(key);
      if (written) {
        if (written.value !== MISSING) out[id] = written.value as SignalDataTypeMap[T];
        continue;
      }
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        if (hit !== MISSING) out[id] = hit as SignalDataTypeMap[T];
        continue;
      }
      // A burst of inbound messages asks for the same LID mapping all at once: one read serves them.
      const reading = this.reads.get(key);
      if (reading) take(id, reading);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const query = this.readKeys(sessionId, type, missing);
      for (const id of missing) {
        const key = `${sessionId}|${type}|${id}`;
        const read = query.then((found) => found.get(id) ?? MISSING);
        this.reads.set(key, read);
        const done = (): void => {
          if (this.reads.get(key) === read) this.reads.delete(key);
        };
        read.then(done, done);
        take(id, read);
      }
    }
    await Promise.all(pending);
    return out;
  }

  private async readKeys(sessionId: string, type: KeyType, ids: string[]): Promise<Map<string, Cached>> {
    const rows: Array<{ id: string; value: string }> = await READ_KEYS.run(this.dataSource, [sessionId, type, ids]);
    const found = new Map<string, Cached>();
    const sizes = new Map<string, number>();
    for (const row of rows) {
      let value = compactBytes(decode<object>(row.value));
      if (type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value);
      if (type === 'sender-key-memory') this.memoryEntries.set(value, Object.keys(value).length);
      found.set(row.id, value);
      sizes.set(row.id, row.value.length);
    }
    for (const id of ids) {
      const key = `${sessionId}|${type}|${id}`;
      // A write that committed while this read ran has set the entry already: it is newer.
      // Pre-keys are read once each (to upload, or when a contact uses one): only their absence is cached.
      if (this.cache.get(key) === undefined && (type !== 'pre-key' || !found.has(id))) this.cache.set(key, found.get(id) ?? MISSING, { size: sizes.get(id) ?? 64 });
    }
    return found;
  }

  private async setKeys(sessionId: string, data: SignalDataSet, fence?: WriteFence, barrier?: WriteBarrier): Promise<void> {
    if (barrier?.failed) throw barrier.failed;
    const rows: KeyRow[] = [];
    const sizes = new Map<string, number>();
    const unchanged = new Set<object>();
    for (const type of Object.keys(data) as KeyType[]) {
      for (const [id, given] of Object.entries(data[type] ?? {})) {
        let value = given;
        if (type === 'sender-key' && value instanceof Uint8Array) {
          const trimmed = trimOwnSenderKey(value);
          // What is stored is what the cache shows afterwards.
          if (trimmed) (data[type] as Record<string, unknown>)[id] = value = trimmed;
        }
        if (value === null || value === undefined) rows.push([type, id, null]);
        else if (type === 'sender-key-memory' && this.memoryEntries.get(value) === Object.keys(value).length) unchanged.add(value);
        // Baileys rewrites unchanged LID mappings with every message: a value the cache holds is stored.
        else if (typeof value === 'object' || this.cache.get(`${sessionId}|${type}|${id}`) !== value) {
          const encoded = encode(value);
          rows.push([type, id, encoded]);
          sizes.set(`${type}|${id}`, encoded.length);
        }
      }
    }
    const changes: CacheChange[] = [];
    for (const type of Object.keys(data) as KeyType[]) {
      for (const [id, value] of Object.entries(data[type] ?? {})) {
        const key = `${sessionId}|${type}|${id}`;
        // Pre-keys are written in bulk and read once each: caching them would only churn the LRU.
        if (type === 'pre-key') changes.push({ key, value: (value as object | null | undefined) ?? MISSING, drop: true });
        else if (value === null || value === undefined) changes.push({ key, value: MISSING });
        else if (!unchanged.has(value)) {
          const copy = compactBytes(value as object);
          if (type === 'sender-key-memory') this.memoryEntries.set(copy, Object.keys(copy).length);
          changes.push({ key, value: copy, size: sizes.get(`${type}|${id}`) ?? String(value).length });
        }
      }
    }
    if (rows.length === 0) return this.showCommitted(changes);
    const write = this.keyWrites.submit({ sessionId, fence, barrier, rows });
    if (!barrier) {
      await write;
      return this.showCommitted(changes);
    }
    // Write-behind: readers get the new values from `pending` until the commit; the socket's frames wait for it.
    const entries = changes.map((c) => {
      const entry: PendingKey = { value: c.value, barrier };
      this.pending.set(c.key, entry);
      return entry;
    });
    const settle = () => changes.forEach((c, i) => {
      if (this.pending.get(c.key) === entries[i]) this.pending.delete(c.key);
    });
    barrier.track(write.then(() => {
      settle();
      this.showCommitted(changes);
    }, (err: unknown) => {
      settle();
      throw err;
    }));
    await barrier.room();
  }

  /** Only after the commit: a rolled-back write must not be visible through the cache. */
  private showCommitted(changes: CacheChange[]): void {
    for (const c of changes) {
      if (c.drop) this.cache.delete(c.key);
      else this.cache.set(c.key, c.value, c.size === undefined ? undefined : { size: c.size });
    }
  }

  /** A failed socket barrier: what its writes would have stored is read from the database again. */
  private dropPending(barrier: WriteBarrier): void {
    for (const [key, entry] of this.pending) if (entry.barrier === barrier) this.pending.delete(key);
  }

  /**
   * One transaction for every session's key writes that queued up meanwhile (see GroupCommit):
   * each fence is checked first, and the writes of a session whose fence refuses are left out
   * (only their callers reject). Within the batch the last write of a key wins, as if in order.
   * Without fences, a batch that is one statement (only upserts, or only deletions: the usual case,
   * a ratchet moving with each message) needs no BEGIN/COMMIT around it: a statement is atomic.
   */
  private async commitKeys(writes: KeyWrite[]): Promise<Array<Error | undefined>> {
    // A session whose socket barrier failed writes nothing more: what is stored stays a prefix of what it did.
    const refused = writes.map((w) => w.barrier?.failed ?? undefined);
    const live = writes.filter((_, i) => !refused[i]);
    let outcome: Array<Error | undefined>;
    try {
      outcome = live.length > 0 ? await this.commitLive(live) : [];
    } catch (err) {
      for (const w of live) w.barrier?.fail(err);
      throw err;
    }
    // Failed at once, not when the callers hear of it: the next batch may already be starting.
    live.forEach((w, i) => outcome[i] && w.barrier?.fail(outcome[i]!));
    let next = 0;
    return writes.map((_, i) => refused[i] ?? outcome[next++]);
  }

  private async commitLive(writes: KeyWrite[]): Promise<Array<Error | undefined>> {
    if (writes.every((w) => !w.fence)) {
      const rows = latestRows(writes);
      if (rows.up.ids.length === 0 || rows.del.ids.length === 0) {
        await writeKeyRows(this.dataSource.manager, rows);
        return writes.map(() => undefined);
      }
    }
    return this.dataSource.transaction(async (manager) => {
      const refused = new Map<WriteFence, Error>();
      for (const fence of new Set(writes.map((w) => w.fence))) {
        if (!fence) continue;
        try {
          await fence.check(manager);
        } catch (err) {
          // A failed statement aborts the whole transaction: that is the batch failing, not a refusal.
          if (err instanceof QueryFailedError || !(err instanceof Error)) throw err;
          refused.set(fence, err);
        }
      }
      await writeKeyRows(manager, latestRows(writes.filter((w) => !(w.fence && refused.has(w.fence)))));
      return writes.map((w) => (w.fence ? refused.get(w.fence) : undefined));
    });
  }
}
