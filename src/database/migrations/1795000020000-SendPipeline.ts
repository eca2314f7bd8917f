import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send pipeline (CONTRACT.md Part 3): idempotency keys with the answer they got (per tenant,
 * 24 h), a session's pacing settings, and the durable queue of its paced sends. A queued row's id is
 * the WhatsApp message id it goes out with (chosen at enqueue), so a send whose outcome a crash left
 * unknown is looked up in the stored messages before it is sent again, under the same id.
 */
export class SendPipeline1795000020000 implements MigrationInterface {
  name = 'SendPipeline1795000020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)`);
    await q.query(`ALTER TABLE wa_sessions ADD COLUMN pacing jsonb`);
    await q.query(`
      CREATE TABLE send_queue (
        session_id uuid NOT NULL,
        id text NOT NULL,
        seq bigserial NOT NULL,
        tenant_id uuid NOT NULL,
        chat_jid text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        error text,
        scheduled_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT send_queue_pkey PRIMARY KEY (session_id, id),
        CONSTRAINT send_queue_session_id_fkey FOREIGN KEY (session_id) REFERENCES wa_sessions (id) ON DELETE CASCADE
      )`);
    // The worker's head of each session, and the sweep's sessions with work.
    await q.query(`CREATE INDEX send_queue_pending_idx ON send_queue (session_id, seq) WHERE status IN ('queued', 'sending')`);
    await q.query(`CREATE INDEX send_queue_session_seq_idx ON send_queue (session_id, seq)`);
    await q.query(`CREATE INDEX send_queue_finished_idx ON send_queue (updated_at) WHERE status IN ('sent', 'failed', 'cancelled')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS send_queue');
    await q.query('ALTER TABLE wa_sessions DROP COLUMN IF EXISTS pacing');
    await q.query('DROP TABLE IF EXISTS idempotency_keys');
  }
}
