/**
 * The outbox's SQL: enqueue (inside the producer's transaction), claim (SKIP LOCKED, one head per
 * session), complete (batched), and the aggregate numbers for stats and metrics.
 *
 * Ordering: `seq` comes from a per-session counter row that the enqueuing transaction keeps
 * locked until it commits, so a session's rows become visible in `seq` order. A claim starts at a
 * session's lowest pending/delivering row (its head), only when that head is due (or its lease
 * expired), and takes the rows right behind it; the worker sends them one by one and gives back
 * the rest at the first failure, so a later callback never overtakes an earlier one.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { decodePgJson, encodePgJson } from '../common/postgres-text.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import type { SqlExecutor } from './dedicated-connection.js';
import type { CallbackEvent } from './webhook-payloads.js';
import type { DeliveryStatus } from './webhook.entities.js';

export interface NewDelivery {
  id: string;
  tenantId: string;
  sessionId: string;
  event: CallbackEvent;
  path: string;
  payload: unknown;
  dedupeKey: string;
  maxAttempts: number;
}

export interface ClaimedDelivery {
  id: string;
  sessionId: string;
  event: CallbackEvent;
  path: string;
  seq: number;
  /** The payload exactly as stored (jsonb text), sent as the body. */
  body: string;
  /** Attempts recorded before this claim. */
  attemptsBefore: number;
  maxAttempts: number;
  leaseToken: string;
  createdAt: Date;
}

export type CompletionStatus = 'delivered' | 'pending' | 'dead' | 'released';

export interface Completion {
  id: string;
  leaseToken: string;
  /** `released`: not attempted, back to pending as it was. */
  status: CompletionStatus;
  /** The attempt number just made (null when released). */
  attempt: number | null;
  /** For `pending`: when to try again. */
  retryDelayMs: number;
  statusCode: number | null;
  error: string | null;
  startedAt: Date | null;
  durationMs: number;
}

export interface QueueStats {
  byStatus: Record<DeliveryStatus, number>;
  oldestPendingCreatedAt: Date | null;
  oldestPendingAgeSeconds: number | null;
}

const ENQUEUE = new PreparedStatement('webhook_enqueue', `
  WITH next AS (
    INSERT INTO webhook_session_sequences AS s (session_id, last_seq) VALUES ($2, 1)
    ON CONFLICT (session_id) DO UPDATE SET last_seq = s.last_seq + 1
    RETURNING last_seq
  )
  INSERT INTO webhook_deliveries (id, tenant_id, session_id, seq, event, path, payload, dedupe_key, max_attempts)
  SELECT $1, $3, $2, next.last_seq, $4, $5, $6::jsonb, $7, $8 FROM next
  ON CONFLICT (session_id, dedupe_key) DO NOTHING
  RETURNING id`);

const DUE = `((d.status = 'pending' AND d.next_attempt_at <= clock_timestamp())
           OR (d.status = 'delivering' AND d.locked_until <= clock_timestamp()))`;

/**
 * Claims up to $1 sessions and, for each, up to $4 consecutive rows starting at its head.
 * - A loose index scan over the partial index finds each session's head in O(sessions · log n).
 * - Only a due head is taken, and it is locked FOR UPDATE SKIP LOCKED with "due" re-checked on the
 *   latest row version: the head is the session's mutex, so two instances never claim the same
 *   session, and a session whose head is being retried (or held by another instance) is skipped.
 * - Behind the head, only the unbroken run of free rows is taken (bool_and window), so a batch is
 *   always a prefix of the session's queue; the worker sends it in order and stops at a failure.
 * One lease token per claim; attempts are counted when an attempt is recorded.
 */
const CLAIM_SQL = `
  WITH RECURSIVE sessions AS (
    (SELECT session_id FROM webhook_deliveries
      WHERE status IN ('pending', 'delivering') ORDER BY session_id LIMIT 1)
    UNION ALL
    SELECT (SELECT w.session_id FROM webhook_deliveries w
             WHERE w.status IN ('pending', 'delivering') AND w.session_id > sessions.session_id
             ORDER BY w.session_id LIMIT 1)
      FROM sessions WHERE sessions.session_id IS NOT NULL
  ),
  heads AS (
    SELECT h.id, h.next_attempt_at FROM sessions
    CROSS JOIN LATERAL (
      SELECT d.id, d.status, d.next_attempt_at, d.locked_until FROM webhook_deliveries d
       WHERE d.session_id = sessions.session_id AND d.status IN ('pending', 'delivering')
       ORDER BY d.seq LIMIT 1
    ) h
    WHERE sessions.session_id IS NOT NULL
      AND ((h.status = 'pending' AND h.next_attempt_at <= clock_timestamp())
        OR (h.status = 'delivering' AND h.locked_until <= clock_timestamp()))
    ORDER BY h.next_attempt_at
    LIMIT $1
  ),
  locked_heads AS (
    SELECT d.id, d.session_id, d.seq FROM webhook_deliveries d
     WHERE d.id IN (SELECT id FROM heads) AND ${DUE}
     FOR UPDATE SKIP LOCKED
  ),
  candidates AS (
    SELECT r.id, bool_and(r.free) OVER (PARTITION BY r.session_id ORDER BY r.seq) AS in_run
      FROM locked_heads h
     CROSS JOIN LATERAL (
       SELECT d.id, d.session_id, d.seq,
              (d.id = h.id OR d.status = 'pending' OR d.locked_until <= clock_timestamp()) AS free
         FROM webhook_deliveries d
        WHERE d.session_id = h.session_id AND d.status IN ('pending', 'delivering') AND d.seq >= h.seq
        ORDER BY d.seq LIMIT $4
     ) r
  ),
  lease AS (SELECT gen_random_uuid() AS token)
  UPDATE webhook_deliveries d
     SET status = 'delivering', locked_by = $2, lease_token = lease.token,
         locked_until = clock_timestamp() + $3 * interval '1 millisecond', updated_at = clock_timestamp()
    FROM candidates c, lease
   WHERE d.id = c.id AND c.in_run AND (d.status = 'pending' OR d.locked_until <= clock_timestamp())
  RETURNING d.id, d.session_id, d.seq, d.event, d.path, d.payload::text AS body, d.attempts, d.max_attempts,
            d.lease_token, d.created_at`;

/** Extends a claim's lease (a long batch); returns false when the lease was lost. */
const EXTEND_SQL = `
  UPDATE webhook_deliveries SET locked_until = clock_timestamp() + $2 * interval '1 millisecond'
   WHERE lease_token = $1 AND status = 'delivering' RETURNING id`;

// Only the holder of the current lease may complete a row (a reclaimed row's late result is dropped).
// `released` rows go back to pending untouched (not attempted: an earlier row of the batch failed).
const COMPLETE_SQL = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
      id uuid, lease_token uuid, status text, attempt int, retry_delay_ms bigint,
      status_code int, error text, started_at timestamptz, duration_ms int)
  ),
  updated AS (
    UPDATE webhook_deliveries d
       SET status = CASE WHEN i.status = 'released' THEN 'pending' ELSE i.status END,
           attempts = COALESCE(i.attempt, d.attempts),
           next_attempt_at = CASE WHEN i.status = 'pending'
                                  THEN clock_timestamp() + i.retry_delay_ms * interval '1 millisecond'
                                  ELSE d.next_attempt_at END,
           delivered_at = CASE WHEN i.status = 'delivered' THEN clock_timestamp() ELSE NULL END,
           last_status_code = CASE WHEN i.status = 'released' THEN d.last_status_code ELSE i.status_code END,
           last_error = CASE WHEN i.status = 'released' THEN d.last_error ELSE i.error END,
           locked_by = NULL, lease_token = NULL, locked_until = NULL, updated_at = clock_timestamp()
      FROM input i
     WHERE d.id = i.id AND d.lease_token = i.lease_token AND d.status = 'delivering'
    RETURNING d.id
  )
  INSERT INTO webhook_attempts (delivery_id, attempt_no, started_at, duration_ms, status_code, error)
  SELECT i.id, i.attempt, i.started_at, i.duration_ms, i.status_code, i.error FROM input i WHERE i.status <> 'released'`;

interface ClaimRow {
  id: string;
  session_id: string;
  seq: string;
  event: CallbackEvent;
  path: string;
  body: string;
  attempts: number;
  max_attempts: number;
  lease_token: string;
  created_at: Date;
}

/**
 * The payload as the receiver gets it: stored text as-is, unless it holds the NUL codec's escape
 * (a text with U+0000), which is decoded back to the original string.
 */
function bodyOf(stored: string): string {
  return stored.includes('\uE000') ? JSON.stringify(decodePgJson(JSON.parse(stored) as unknown)) : stored;
}

@Injectable()
export class WebhookQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inside the producer's transaction. Returns false when the dedupe key was already queued. */
  async enqueue(manager: EntityManager, d: NewDelivery): Promise<boolean> {
    const rows: unknown[] = await ENQUEUE.run(manager, [
      d.id, d.sessionId, d.tenantId, d.event, d.path, JSON.stringify(encodePgJson(d.payload)), d.dedupeKey, d.maxAttempts,
    ]);
    return rows.length > 0;
  }

  /** Claims batches for up to `sessions` sessions, `perSession` rows each, in (session, seq) order. */
  async claim(sessions: number, perSession: number, instanceId: string, leaseMs: number, db: SqlExecutor = this.dataSource): Promise<ClaimedDelivery[]> {
    const rows = (await db.query(CLAIM_SQL, [sessions, instanceId, leaseMs, perSession])) as [ClaimRow[], number] | ClaimRow[];
    // TypeORM's postgres driver answers UPDATE … RETURNING with [rows, affected].
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as ClaimRow[];
    return list
      .map((r) => ({
      id: r.id,
      sessionId: r.session_id,
      seq: Number(r.seq),
      event: r.event,
      path: r.path,
      body: bodyOf(r.body),
      attemptsBefore: r.attempts,
      maxAttempts: r.max_attempts,
      leaseToken: r.lease_token,
      createdAt: r.created_at,
    }))
      .sort((a, b) => (a.sessionId === b.sessionId ? a.seq - b.seq : a.sessionId < b.sessionId ? -1 : 1));
  }

  async extendLease(leaseToken: string, leaseMs: number, db: SqlExecutor = this.dataSource): Promise<boolean> {
    const result = (await db.query(EXTEND_SQL, [leaseToken, leaseMs])) as [unknown[], number];
    return result[1] > 0;
  }

  async complete(batch: Completion[], db: SqlExecutor = this.dataSource): Promise<void> {
    if (batch.length === 0) return;
    const input = batch.map((c) => ({
      id: c.id,
      lease_token: c.leaseToken,
      status: c.status,
      attempt: c.attempt,
      retry_delay_ms: Math.round(c.retryDelayMs),
      status_code: c.statusCode,
      error: c.error,
      started_at: c.startedAt ? c.startedAt.toISOString() : null,
      duration_ms: Math.round(c.durationMs),
    }));
    await db.query(COMPLETE_SQL, [JSON.stringify(input)]);
  }

  /** Manual retry of a dead row: pending now, attempts kept, a fresh retry budget. */
  async requeueDead(id: string, retries: number): Promise<'requeued' | 'not_found' | 'not_dead'> {
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE webhook_deliveries
          SET status = 'pending', next_attempt_at = clock_timestamp(), max_attempts = attempts + $2 + 1,
              updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'dead' RETURNING id`,
      [id, retries],
    );
    if (result[1] > 0) return 'requeued';
    const exists: unknown[] = await this.dataSource.query('SELECT 1 FROM webhook_deliveries WHERE id = $1', [id]);
    return exists.length > 0 ? 'not_dead' : 'not_found';
  }

  async stats(): Promise<QueueStats> {
    const counts: Array<{ status: DeliveryStatus; n: string }> = await this.dataSource.query(
      'SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status',
    );
    const byStatus: Record<DeliveryStatus, number> = { pending: 0, delivering: 0, delivered: 0, dead: 0 };
    for (const c of counts) byStatus[c.status] = Number(c.n);
    const [oldest]: Array<{ created_at: Date | null; age: string | null }> = await this.dataSource.query(
      `SELECT min(created_at) AS created_at, extract(epoch FROM clock_timestamp() - min(created_at)) AS age
         FROM webhook_deliveries WHERE status IN ('pending', 'delivering')`,
    );
    return {
      byStatus,
      oldestPendingCreatedAt: oldest?.created_at ?? null,
      oldestPendingAgeSeconds: oldest?.age === null || oldest?.age === undefined ? null : Number(oldest.age),
    };
  }
}
