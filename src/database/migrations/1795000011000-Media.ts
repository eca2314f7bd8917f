import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Media objects: where the bytes are (an object key, never a URL) and what they are. */
export class Media1795000011000 implements MigrationInterface {
  name = 'Media1795000011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wa_media (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      session_id uuid,
      origin text NOT NULL CHECK (origin IN ('upload','inbound')),
      chat_jid text,
      message_id text,
      kind text NOT NULL CHECK (kind IN ('image','video','audio','voice','document','sticker')),
      mime text NOT NULL,
      state text NOT NULL CHECK (state IN ('pending','stored','failed')),
      storage_key text,
      size bigint,
      sha256 text,
      file_name text,
      caption text,
      width int,
      height int,
      duration_seconds int,
      thumbnail bytea,
      wa_media_key bytea,
      wa_direct_path text,
      attempts int NOT NULL DEFAULT 0,
      last_error text,
      next_attempt_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX wa_media_tenant_idx ON wa_media (tenant_id, created_at)`);
    await q.query(`CREATE UNIQUE INDEX wa_media_message_key ON wa_media (session_id, chat_jid, message_id)`);
    await q.query(`CREATE INDEX wa_media_state_idx ON wa_media (state, next_attempt_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wa_media`);
  }
}
