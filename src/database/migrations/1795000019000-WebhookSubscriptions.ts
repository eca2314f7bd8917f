import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions (issue 29): the subscriptions, their outbox (one row per event and
 * subscription, written in the event's transaction) and the per-(subscription, session) counter
 * that orders it. `tenant_id` NULL: a platform-wide subscription (every tenant's events).
 */
export class WebhookSubscriptions1795000019000 implements MigrationInterface {
  name = 'WebhookSubscriptions1795000019000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid NOT NULL,
        tenant_id uuid,
        url text NOT NULL,
        events text[] NOT NULL,
        session_ids uuid[],
        headers jsonb NOT NULL DEFAULT '{}',
        secret text NOT NULL,
        description text,
        enabled boolean NOT NULL DEFAULT true,
        failing_since timestamptz,
        disabled_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_subscriptions_pkey PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX idx_webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id, created_at)`);
    await q.query(`
      CREATE TABLE webhook_subscription_deliveries (
        id uuid NOT NULL,
        subscription_id uuid NOT NULL,
        tenant_id uuid,
        session_id uuid NOT NULL,
        seq bigint NOT NULL,
        event_type text NOT NULL,
        body jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_by text,
        lease_token uuid,
        locked_until timestamptz,
        last_status_code integer,
        last_error text,
        last_attempt_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivered_at timestamptz,
        CONSTRAINT webhook_subscription_deliveries_pkey PRIMARY KEY (id),
        CONSTRAINT uq_webhook_subscription_deliveries_lane_seq UNIQUE (subscription_id, session_id, seq),
        CONSTRAINT webhook_subscription_deliveries_status_check CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
        CONSTRAINT webhook_subscription_deliveries_subscription_fkey FOREIGN KEY (subscription_id)
          REFERENCES webhook_subscriptions (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX idx_webhook_subscription_deliveries_undelivered ON webhook_subscription_deliveries
      (subscription_id, session_id, seq) WHERE status IN ('pending', 'delivering')`);
    await q.query(`CREATE INDEX idx_webhook_subscription_deliveries_log ON webhook_subscription_deliveries (subscription_id, created_at)`);
    await q.query(`CREATE INDEX idx_webhook_subscription_deliveries_status_created ON webhook_subscription_deliveries (status, created_at)`);
    await q.query(`
      CREATE TABLE webhook_subscription_sequences (
        subscription_id uuid NOT NULL,
        session_id uuid NOT NULL,
        last_seq bigint NOT NULL,
        CONSTRAINT webhook_subscription_sequences_pkey PRIMARY KEY (subscription_id, session_id),
        CONSTRAINT webhook_subscription_sequences_subscription_fkey FOREIGN KEY (subscription_id)
          REFERENCES webhook_subscriptions (id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_subscription_sequences`);
    await q.query(`DROP TABLE webhook_subscription_deliveries`);
    await q.query(`DROP TABLE webhook_subscriptions`);
  }
}
