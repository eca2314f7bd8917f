/**
 * Baileys' AuthenticationState kept in PostgreSQL: credentials in `wa_auth_creds`, Signal keys in
 * `wa_auth_keys`. Writes are batched into one transaction per `set()` (pairing uploads hundreds of
 * pre-keys at once; Baileys' own transaction layer batches further), and reads go through one
 * bounded LRU cache shared by all sessions, so an idle session holds no keys in memory.
 * In cluster mode every write first passes the session's `WriteFence` in its own transaction (the
 * owner's lease epoch, src/cluster): a node that lost the session can never write its keys.
 */
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { initAuthCreds, proto, type AuthenticationCreds, type AuthenticationState, type SignalDataSet, type SignalDataTypeMap, type SignalKeyStore } from '@whiskeysockets/baileys';
import { DataSource, type EntityManager } from 'typeorm';
import { decodeAuthJson, encodeAuthJson } from './auth-json.js';
import { isPaired } from './event-translator.js';

type KeyType = keyof SignalDataTypeMap;

// One JSON pass each way (jsonb read as text): 812 pre-keys are written per onboarding.
const encode = encodeAuthJson;
const decode = decodeAuthJson;

export interface LoadedAuthState {
  state: AuthenticationState;
  /** True when the session has paired before (its credentials carry `me`). */
  registered: boolean;
  saveCreds(): Promise<void>;
}

/**
 * The guard of a session's credential and key writes (cluster mode). `check` runs first inside the
 * write's transaction and throws when this node no longer holds the session: the write rolls back.
 */
export interface WriteFence {
  check(manager: EntityManager): Promise<void>;
}

const MISSING = Symbol('missing');

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

@Injectable()
export class PostgresAuthStateRepository {
  private readonly cache = new LRUCache<string, object | typeof MISSING>({ max: 50_000 });

  constructor(private readonly dataSource: DataSource) {}

  async load(sessionId: string, fence?: WriteFence): Promise<LoadedAuthState> {
    // Every (re)connect of a fenced session starts with the check: a node that lost the lease
    // meanwhile does not log in again (a second live socket would replace the new owner's).
    if (fence) await this.dataSource.transaction((manager) => fence.check(manager));
    const rows: Array<{ creds: string }> = await this.dataSource.query('SELECT creds::text AS creds FROM wa_auth_creds WHERE session_id = $1', [sessionId]);
    const creds: AuthenticationCreds = rows[0] ? decode<AuthenticationCreds>(rows[0].creds) : initAuthCreds();
    // An abandoned pairing-code attempt left its provisional `me`: Baileys would log in with it (401).
    if (!isPaired(creds)) {
      delete (creds as Partial<AuthenticationCreds>).me;
      creds.pairingCode = undefined;
    }
    const keys: SignalKeyStore = {
      get: (type, ids) => this.getKeys(sessionId, type, ids),
      set: (data) => this.setKeys(sessionId, data, fence),
      clear: () => this.wipe(sessionId),
    };
    return {
      state: { creds, keys },
      registered: isPaired(creds),
      saveCreds: coalesce(() => this.writeCreds(sessionId, creds, fence)),
    };
  }

  async hasCredentials(sessionId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM wa_auth_creds WHERE session_id = $1 AND creds ? 'me' AND creds->'me'->>'name' IS DISTINCT FROM '~'`, [sessionId]);
    return rows.length > 0;
  }

  /** Deletes every credential and key of a session, and its unreleased inbound journal (logout, delete). */
  async wipe(sessionId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query('DELETE FROM wa_inbound_journal WHERE session_id = $1', [sessionId]);
    await manager.query('DELETE FROM wa_auth_keys WHERE session_id = $1', [sessionId]);
    await manager.query('DELETE FROM wa_auth_creds WHERE session_id = $1', [sessionId]);
    for (const key of this.cache.keys()) if (key.startsWith(`${sessionId}|`)) this.cache.delete(key);
  }

  private async writeCreds(sessionId: string, creds: AuthenticationCreds, fence?: WriteFence): Promise<void> {
    const write = (manager: EntityManager) => manager.query(
      `INSERT INTO wa_auth_creds (session_id, creds, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (session_id) DO UPDATE SET creds = EXCLUDED.creds, updated_at = now()`,
      [sessionId, encode(creds)],
    );
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
    for (const id of ids) {
      const hit = this.cache.get(`${sessionId}|${type}|${id}`);
      if (hit === undefined) missing.push(id);
      else if (hit !== MISSING) out[id] = hit as SignalDataTypeMap[T];
    }
    if (missing.length > 0) {
      const rows: Array<{ id: string; value: string }> = await this.dataSource.query(
        'SELECT id, value::text AS value FROM wa_auth_keys WHERE session_id = $1 AND type = $2 AND id = ANY($3::text[])',
        [sessionId, type, missing],
      );
      const found = new Map(rows.map((r) => [r.id, r.value]));
      for (const id of missing) {
        const raw = found.get(id);
        if (raw === undefined) {
          this.cache.set(`${sessionId}|${type}|${id}`, MISSING);
          continue;
        }
        let value = decode<SignalDataTypeMap[T]>(raw);
        if (type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T];
        // Pre-keys are read once each (to upload, or when a contact uses one): not cached.
        if (type !== 'pre-key') this.cache.set(`${sessionId}|${type}|${id}`, value as object);
        out[id] = value;
      }
    }
    return out;
  }

  private async setKeys(sessionId: string, data: SignalDataSet, fence?: WriteFence): Promise<void> {
    const upserts: { types: string[]; ids: string[]; values: string[] } = { types: [], ids: [], values: [] };
    const deletes: { types: string[]; ids: string[] } = { types: [], ids: [] };
    for (const type of Object.keys(data) as KeyType[]) {
      for (const [id, value] of Object.entries(data[type] ?? {})) {
        if (value === null || value === undefined) {
          deletes.types.push(type);
          deletes.ids.push(id);
        } else {
          upserts.types.push(type);
          upserts.ids.push(id);
          upserts.values.push(encode(value));
        }
      }
    }
    await this.dataSource.transaction(async (manager) => {
      await fence?.check(manager);
      if (upserts.ids.length > 0) {
        await manager.query(
          `INSERT INTO wa_auth_keys (session_id, type, id, value)
           SELECT $1, t, i, v::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS x(t, i, v)
           ON CONFLICT (session_id, type, id) DO UPDATE SET value = EXCLUDED.value`,
          [sessionId, upserts.types, upserts.ids, upserts.values],
        );
      }
      if (deletes.ids.length > 0) {
        await manager.query(
          `DELETE FROM wa_auth_keys k USING unnest($2::text[], $3::text[]) AS x(t, i)
           WHERE k.session_id = $1 AND k.type = x.t AND k.id = x.i`,
          [sessionId, deletes.types, deletes.ids],
        );
      }
    });
    // Only after the commit: a rolled-back write must not be visible through the cache.
    for (const type of Object.keys(data) as KeyType[]) {
      for (const [id, value] of Object.entries(data[type] ?? {})) {
        const key = `${sessionId}|${type}|${id}`;
        // Pre-keys are written in bulk and read once each: caching them would only churn the LRU.
        if (type === 'pre-key') this.cache.delete(key);
        else this.cache.set(key, value === null || value === undefined ? MISSING : (value as object));
      }
    }
  }
}
