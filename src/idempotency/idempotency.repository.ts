/** `idempotency_keys` in plain SQL: claim a key, read it, complete or release it. */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodePgJson, encodePgJson } from '../common/postgres-text.js';
import { rowsOf } from '../common/sql-rows.js';

export interface StoredKey {
  fingerprint: string;
  state: 'pending' | 'done';
  responseStatus: number | null;
  responseBody: unknown;
  /** How long ago the first request claimed it. */
  ageMs: number;
}

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** True when this request now owns the key (new, or the old one expired). */
  async claim(tenantId: string, key: string, fingerprint: string, ttlMs: number): Promise<boolean> {
    const rows = rowsOf(await this.dataSource.query(
      `INSERT INTO idempotency_keys (tenant_id, key, fingerprint, state, expires_at)
         VALUES ($1, $2, $3, 'pending', now() + $4 * interval '1 millisecond')
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, state = 'pending', response_status = NULL, response_body = NULL,
             created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at < now()
       RETURNING 1`,
      [tenantId, key, fingerprint, ttlMs],
    ));
    return rows.length > 0;
  }

  async find(tenantId: string, key: string): Promise<StoredKey | undefined> {
    const [row] = rowsOf<{ fingerprint: string; state: 'pending' | 'done'; response_status: number | null; response_body: unknown; age_ms: string | number }>(
      await this.dataSource.query(
        `SELECT fingerprint, state, response_status, response_body, (extract(epoch FROM now() - created_at) * 1000)::bigint AS age_ms
           FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND expires_at >= now()`,
        [tenantId, key],
      ),
    );
    if (!row) return undefined;
    return { fingerprint: row.fingerprint, state: row.state, responseStatus: row.response_status, responseBody: decodePgJson(row.response_body), ageMs: Number(row.age_ms) };
  }

  async complete(tenantId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4 WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key, status, JSON.stringify(encodePgJson(body ?? null))],
    );
  }

  /** The first request failed before anything was sent: the key is free again. */
  async release(tenantId: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND state = 'pending'`, [tenantId, key]);
  }
}
