/**
 * The subscriptions' outbox SQL: fan-out (inside the event's transaction), claim (SKIP LOCKED, one
 * head per (subscription, session) lane), complete (batched, with the subscription's health), and
 * the numbers for metrics. Same scheme as the seed 001 outbox (src/webhooks/webhook-queue.repository.ts):
 * a lane's `seq` comes from a counter row the enqueuing transaction keeps locked until it commits,
 * a claim starts at a lane's head only when it is due and takes the unbroken run behind it, so a
 * later event never overtakes an earlier one of the same lane.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { decodePgJson, encodePgJson } from '../common/postgres-text.js';
import { rowsOf } from '../common/sql-rows.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import type { SqlExecutor } from '../webhooks/dedicated-connection.js';

export interface ClaimedSubscriptionDelivery {
  id: string;
  subscriptionId: string;
  sessionId: string;
  seq: number;
  eventType: string;
  body: string;
  attemptsBefore: number;
  leaseToken: string;
  createdAt: Date;
  url: string;
  headers: Record<string, string>;
  secret: string;
}

export interface SubscriptionCompletion {
  id: string;
  leaseToken: string;
  /** `released`: not attempted, back to pending as it was. */
  status: 'delivered' | 'pending' | 'dead' | 'released';
  attempt: number | null;
  retryDelayMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface LaneStats {
  subscriptionId: string;
  pending: number;
  oldestPendingAgeSeconds: number;
}

/**
 * One statement per event: the matching enabled subscriptions (the event's tenant's and the
 * platform-wide ones, by type and session), their lane counters bumped, one row each. Nothing
 * matches: nothing is written.
 */
const FAN_OUT = new PreparedStatement('webhook_subscription_fan_out', `
  WITH subs AS (
    SELECT id FROM webhook_subscriptions
     WHERE enabled AND (tenant_id = $1 OR tenant_id IS NULL)
       AND ('*' = ANY(events) OR $2 = ANY(events))
       AND (session_ids IS NULL OR $3::uuid = ANY(session_ids))
     ORDER BY id
  ),
  next AS (
    INSERT INTO webhook_subscription_sequences AS s (subscription_id, session_id, last_seq)
    SELECT id, $3, 1 FROM subs
    ON CONFLICT (subscription_id, session_id) DO UPDATE SET last_seq = s.last_seq + 1
    RETURNING subscription_id, last_seq
  )
  INSERT INTO webhook_subscription_deliveries (id, subscription_id, tenant_id, session_id, seq, event_type, body)
  SELECT gen_random_uuid(), next.subscription_id, $1, $3, next.last_seq, $2, $4::jsonb FROM next
  RETURNING id`);

/** One row for one subscription (test deliveries, manual sends). */
const ENQUEUE_ONE = `
  WITH next AS (
    INSERT INTO webhook_subscription_sequences AS s (subscription_id, session_id, last_seq) VALUES ($1, $3, 1)
    ON CONFLICT (subscription_id, session_id) DO UPDATE SET last_seq = s.last_seq + 1
    RETURNING last_seq
  )
  INSERT INTO webhook_subscription_deliveries (id, subscription_id, tenant_id, session_id, seq, event_type, body)
  SELECT $5, $1, $2, $3, next.last_seq, $4, $6::jsonb FROM next
  RETURNING id`;

const DUE = `((d.status = 'pending' AND d.next_attempt_at <= clock_timestamp())
           OR (d.status = 'delivering' AND d.locked_until <= clock_timestamp()))`;

/**
 * Claims up to $1 lanes (at most $6 per subscription, none of the subscriptions in $5) and up to
 * $4 consecutive rows of each, starting at its head. Disabled subscriptions' lanes wait. The loose
 * index scan over the partial index visits each lane with work once.
 */
const CLAIM_SQL = `
  WITH RECURSIVE lanes AS (
    (SELECT subscription_id, session_id FROM webhook_subscription_deliveries
      WHERE status IN ('pending', 'delivering') ORDER BY subscription_id, session_id LIMIT 1)
    UNION ALL
    SELECT n.subscription_id, n.session_id FROM lanes
     CROSS JOIN LATERAL (
       SELECT w.subscription_id, w.session_id FROM webhook_subscription_deliveries w
        WHERE w.status IN ('pending', 'delivering') AND (w.subscription_id, w.session_id) > (lanes.subscription_id, lanes.session_id)
        ORDER BY w.subscription_id, w.session_id LIMIT 1
     ) n
  ),
  heads AS (
    SELECT h.id, h.next_attempt_at,
           row_number() OVER (PARTITION BY lanes.subscription_id ORDER BY h.next_attempt_at) AS rank
      FROM lanes
      JOIN webhook_subscriptions s ON s.id = lanes.subscription_id AND s.enabled
     CROSS JOIN LATERAL (
       SELECT d.id, d.status, d.next_attempt_at, d.locked_until FROM webhook_subscription_deliveries d
        WHERE d.subscription_id = lanes.subscription_id AND d.session_id = lanes.session_id
          AND d.status IN ('pending', 'delivering')
        ORDER BY d.seq LIMIT 1
     ) h
     WHERE NOT (lanes.subscription_id = ANY($5::uuid[]))
       AND ((h.status = 'pending' AND h.next_attempt_at <= clock_timestamp())
         OR (h.status = 'delivering' AND h.locked_until <= clock_timestamp()))
  ),
  picked AS (SELECT id FROM heads WHERE rank <= $6 ORDER BY next_attempt_at LIMIT $1),
  locked_heads AS (
    SELECT d.id, d.subscription_id, d.session_id, d.seq FROM webhook_subscription_deliveries d
     WHERE d.id IN (SELECT id FROM picked) AND ${DUE}
     FOR UPDATE SKIP LOCKED
  ),
  candidates AS (
    SELECT r.id, bool_and(r.free) OVER (PARTITION BY r.subscription_id, r.session_id ORDER BY r.seq) AS in_run
      FROM locked_heads h
     CROSS JOIN LATERAL (
       SELECT d.id, d.subscription_id, d.session_id, d.seq,
              (d.id = h.id OR d.status = 'pending' OR d.locked_until <= clock_timestamp()) AS free
         FROM webhook_subscription_deliveries d
        WHERE d.subscription_id = h.subscription_id AND d.session_id = h.session_id
          AND d.status IN ('pending', 'delivering') AND d.seq >= h.seq
        ORDER BY d.seq LIMIT $4
     ) r
  ),
  lease AS (SELECT gen_random_uuid() AS token)
  UPDATE webhook_subscription_deliveries d
     SET status = 'delivering', locked_by = $2, lease_token = lease.token,
         locked_until = clock_timestamp() + $3 * interval '1 millisecond', updated_at = clock_timestamp()
    FROM candidates c, lease, webhook_subscriptions s
   WHERE d.id = c.id AND c.in_run AND s.id = d.subscription_id
     AND (d.status = 'pending' OR d.locked_until <= clock_timestamp())
  RETURNING d.id, d.subscription_id, d.session_id, d.seq, d.event_type, d.body::text AS body, d.attempts,
            d.lease_token, d.created_at, s.url, s.headers::text AS headers, s.secret`;

const EXTEND_SQL = `
  UPDATE webhook_subscription_deliveries SET locked_until = clock_timestamp() + $2 * interval '1 millisecond'
   WHERE lease_token = $1 AND status = 'delivering' RETURNING id`;

/**
 * Only the holder of the current lease completes a row. The subscriptions concerned get their
 * health: any delivery clears `failing_since`; only failures start it (written on a change only).
 */
const COMPLETE_SQL = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
      id uuid, lease_token uuid, status text, attempt int, retry_delay_ms bigint, status_code int, error text)
  ),
  updated AS (
    UPDATE webhook_subscription_deliveries d
       SET status = CASE WHEN i.status = 'released' THEN 'pending' ELSE i.status END,
           attempts = COALESCE(i.attempt, d.attempts),
           next_attempt_at = CASE WHEN i.status = 'pending'
                                  THEN clock_timestamp() + i.retry_delay_ms * interval '1 millisecond'
                                  ELSE d.next_attempt_at END,
           delivered_at = CASE WHEN i.status = 'delivered' THEN clock_timestamp() ELSE NULL END,
           last_status_code = CASE WHEN i.status = 'released' THEN d.last_status_code ELSE i.status_code END,
           last_error = CASE WHEN i.status = 'released' THEN d.last_error ELSE i.error END,
           last_attempt_at = CASE WHEN i.status = 'released' THEN d.last_attempt_at ELSE clock_timestamp() END,
           locked_by = NULL, lease_token = NULL, locked_until = NULL, updated_at = clock_timestamp()
      FROM input i
     WHERE d.id = i.id AND d.lease_token = i.lease_token AND d.status = 'delivering'
    RETURNING d.subscription_id, i.status
  ),
  health AS (
    SELECT subscription_id, bool_or(status = 'delivered') AS ok FROM updated WHERE status <> 'released' GROUP BY subscription_id
  )
  UPDATE webhook_subscriptions s
     SET failing_since = CASE WHEN h.ok THEN NULL ELSE clock_timestamp() END
    FROM health h
   WHERE s.id = h.subscription_id AND ((h.ok AND s.failing_since IS NOT NULL) OR (NOT h.ok AND s.failing_since IS NULL))`;

interface ClaimRow {
  id: string;
  subscription_id: string;
  session_id: string;
  seq: string;
  event_type: string;
  body: string;
  attempts: number;
  lease_token: string;
  created_at: Date;
  url: string;
  headers: string;
  secret: string;
}

/** The stored text as the receiver gets it (the NUL codec's escape decoded back, as for callbacks). */
function bodyOf(stored: string): string {
  return stored.includes('\uE000') ? JSON.stringify(decodePgJson(JSON.parse(stored) as unknown)) : stored;
}

export function storedJson(value: unknown): string {
  return JSON.stringify(encodePgJson(value));
}

@Injectable()
export class SubscriptionQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inside the event's transaction: how many subscriptions got a row. */
  async fanOut(manager: EntityManager, tenantId: string, eventType: string, sessionId: string, envelope: unknown): Promise<number> {
    const rows: unknown[] = await FAN_OUT.run(manager, [tenantId, eventType, sessionId, storedJson(envelope)]);
    return rows.length;
  }

  async enqueueOne(
    manager: EntityManager,
    d: { id: string; subscriptionId: string; tenantId: string | null; sessionId: string; eventType: string; envelope: unknown },
  ): Promise<void> {
    await manager.query(ENQUEUE_ONE, [d.subscriptionId, d.tenantId, d.sessionId, d.eventType, d.id, storedJson(d.envelope)]);
  }

  async claim(
    lanes: number,
    perLane: number,
    instanceId: string,
    leaseMs: number,
    saturated: string[],
    perSubscription: number,
    db: SqlExecutor = this.dataSource,
  ): Promise<ClaimedSubscriptionDelivery[]> {
    const rows = rowsOf<ClaimRow>(await db.query(CLAIM_SQL, [lanes, instanceId, leaseMs, perLane, saturated, perSubscription]));
    return rows
      .map((r) => ({
        id: r.id,
        subscriptionId: r.subscription_id,
        sessionId: r.session_id,
        seq: Number(r.seq),
        eventType: r.event_type,
        body: bodyOf(r.body),
        attemptsBefore: r.attempts,
        leaseToken: r.lease_token,
        createdAt: r.created_at,
        url: r.url,
        headers: JSON.parse(r.headers) as Record<string, string>,
        secret: r.secret,
      }))
      .sort((a, b) => a.seq - b.seq);
  }

  async extendLease(leaseToken: string, leaseMs: number, db: SqlExecutor = this.dataSource): Promise<boolean> {
    return rowsOf<unknown>(await db.query(EXTEND_SQL, [leaseToken, leaseMs])).length > 0;
  }

  async complete(batch: SubscriptionCompletion[], db: SqlExecutor = this.dataSource): Promise<void> {
    if (batch.length === 0) return;
    const input = batch.map((c) => ({
      id: c.id,
      lease_token: c.leaseToken,
      status: c.status,
      attempt: c.attempt,
      retry_delay_ms: Math.round(c.retryDelayMs),
      status_code: c.statusCode,
      error: c.error,
    }));
    await db.query(COMPLETE_SQL, [JSON.stringify(input)]);
  }

  /** Per subscription: rows not yet delivered and the age of the oldest (metrics). */
  async laneStats(): Promise<LaneStats[]> {
    const rows: Array<{ subscription_id: string; n: string; age: string | null }> = await this.dataSource.query(
      `SELECT subscription_id, count(*) AS n, extract(epoch FROM clock_timestamp() - min(created_at)) AS age
         FROM webhook_subscription_deliveries WHERE status IN ('pending', 'delivering') GROUP BY subscription_id`,
    );
    return rows.map((r) => ({ subscriptionId: r.subscription_id, pending: Number(r.n), oldestPendingAgeSeconds: Number(r.age ?? 0) }));
  }
}
