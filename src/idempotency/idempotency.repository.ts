/**
 * `idempotency_keys` in plain SQL, as named prepared statements (src/database/prepared-statement.ts):
 * claim a key or read who holds it (one statement, also the poll of a repeat), take an expired key over, complete keys (many
 * in one statement) or release one.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodePgJson, encodePgJson } from '../common/postgres-text.js';
import { rowsOf } from '../common/sql-rows.js';
import { PreparedStatement } from '../database/prepared-statement.js';

export interface StoredKey {
  fingerprint: string;
  state: 'pending' | 'done';
  responseStatus: number | null;
  responseBody: unknown;
  /** How long ago the first request claimed it. */
  ageMs: number;
  /** Past its 24 h: the next request with it may take it over. */
  expired: boolean;
}

/** The claim's outcome: this request owns the key now, or the row that holds it (none: it went meanwhile, claim again). */
export type Claim = { claimed: true } | { claimed: false; stored?: StoredKey };

export interface Completion {
  tenantId: string;
  key: string;
  status: number;
  body: unknown;
}

type KeyRow = { claimed: boolean; fingerprint: string; state: 'pending' | 'done'; response_status: number | null; response_body: unknown; age_ms: string | number; expired: boolean };

/**
 * The insert, or else the row in the way. DO NOTHING neither locks nor writes the existing row, so
 * a repeat costs one read; the outer SELECT sees the table as the statement began, without the row
 * it inserts (then `claimed` comes alone) and without one a concurrent claim committed meanwhile
 * (then no row: the caller claims again and sees it).
 */
const CLAIM = new PreparedStatement('idempotency_keys_claim', `
  WITH claimed AS (
    INSERT INTO idempotency_keys (tenant_id, key, fingerprint, state, expires_at)
      VALUES ($1, $2, $3, 'pending', now() + $4 * interval '1 millisecond')
    ON CONFLICT (tenant_id, key) DO NOTHING
    RETURNING 1)
  SELECT true AS claimed, NULL AS fingerprint, NULL AS state, NULL::integer AS response_status, NULL::jsonb AS response_body, 0::bigint AS age_ms, false AS expired
    FROM claimed
  UNION ALL
  SELECT false, fingerprint, state, response_status, response_body,
         (extract(epoch FROM now() - created_at) * 1000)::bigint, expires_at < now()
    FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`);

const TAKE_OVER = new PreparedStatement('idempotency_keys_take_over', `
  UPDATE idempotency_keys
     SET fingerprint = $3, state = 'pending', response_status = NULL, response_body = NULL,
         created_at = now(), expires_at = now() + $4 * interval '1 millisecond'
   WHERE tenant_id = $1 AND key = $2 AND expires_at < now()
  RETURNING 1`);

const COMPLETE = new PreparedStatement('idempotency_keys_complete', `
  UPDATE idempotency_keys k SET state = 'done', response_status = x.status, response_body = x.body
    FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::jsonb[]) AS x(tenant_id, key, status, body)
   WHERE k.tenant_id = x.tenant_id AND k.key = x.key`);

const RELEASE = new PreparedStatement('idempotency_keys_release', `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND state = 'pending'`);

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One round trip: a new key is claimed (committed before the request sends); a held one is read, without a write. */
  async claim(tenantId: string, key: string, fingerprint: string, ttlMs: number): Promise<Claim> {
    const [row] = rowsOf<KeyRow>(await CLAIM.run(this.dataSource, [tenantId, key, fingerprint, ttlMs]));
    if (row?.claimed) return { claimed: true };
    return { claimed: false, stored: row && toStored(row) };
  }

  /** True when this request now owns the expired key. */
  async takeOver(tenantId: string, key: string, fingerprint: string, ttlMs: number): Promise<boolean> {
    return rowsOf(await TAKE_OVER.run(this.dataSource, [tenantId, key, fingerprint, ttlMs])).length > 0;
  }

  /** The answers of many first requests, in one statement. */
  async complete(completions: Completion[]): Promise<void> {
    await COMPLETE.run(this.dataSource, [
      completions.map((c) => c.tenantId),
      completions.map((c) => c.key),
      completions.map((c) => c.status),
      completions.map((c) => JSON.stringify(encodePgJson(c.body ?? null))),
    ]);
  }

  /** The first request failed before anything was sent: the key is free again. */
  async release(tenantId: string, key: string): Promise<void> {
    await RELEASE.run(this.dataSource, [tenantId, key]);
  }
}

function toStored(row: KeyRow): StoredKey {
  return {
    fingerprint: row.fingerprint,
    state: row.state,
    responseStatus: row.response_status,
    responseBody: decodePgJson(row.response_body),
    ageMs: Number(row.age_ms),
    expired: row.expired,
  };
}
