import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The callbacks outbox: one row per callback to the main backend (its id is the Standard Webhooks
 * `webhook-id`), one row per attempt, and a per-session counter that orders a session's rows in
 * commit order (the counter row is locked until the producing transaction commits).
 */
export class WebhookOutbox1795000001000 implements MigrationInterface {
  name = 'WebhookOutbox1795000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_session_sequences (
        session_id uuid PRIMARY KEY,
        last_seq bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        session_id uuid NOT NULL,
        seq bigint NOT NULL,
        event text NOT NULL CHECK (event IN ('new-session-connected', 'status-update', 'messages-received', 'qr-update')),
        path text NOT NULL,
        payload jsonb NOT NULL,
        dedupe_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_by text,
        lease_token uuid,
        locked_until timestamptz,
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivered_at timestamptz,
        CONSTRAINT uq_webhook_deliveries_session_seq UNIQUE (session_id, seq),
        CONSTRAINT uq_webhook_deliveries_dedupe UNIQUE (session_id, dedupe_key)
      )`);
    // The worker's hot path: the head (lowest seq) of every session with undelivered rows.
    await q.query(`
      CREATE INDEX idx_webhook_deliveries_undelivered ON webhook_deliveries (session_id, seq)
      WHERE status IN ('pending', 'delivering')`);
    await q.query(`
      CREATE INDEX idx_webhook_deliveries_undelivered_age ON webhook_deliveries (created_at)
      WHERE status IN ('pending', 'delivering')`);
    await q.query(`CREATE INDEX idx_webhook_deliveries_created ON webhook_deliveries (created_at)`);
    await q.query(`CREATE INDEX idx_webhook_deliveries_tenant_created ON webhook_deliveries (tenant_id, created_at)`);
    await q.query(`CREATE INDEX idx_webhook_deliveries_status_created ON webhook_deliveries (status, created_at)`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt_no integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error text
      )`);
    await q.query(`CREATE INDEX idx_webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt_no)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS webhook_attempts');
    await q.query('DROP TABLE IF EXISTS webhook_deliveries');
    await q.query('DROP TABLE IF EXISTS webhook_session_sequences');
  }
}
