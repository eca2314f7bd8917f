import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound media downloads as durable jobs: a `downloading` state (with `next_attempt_at` as the
 * claim's lease), `sent` rows linking a message we sent to the stored upload, and the
 * messages/received callback held back until the first download attempt (`announce`).
 */
export class MediaDownloads1795000014100 implements MigrationInterface {
  name = 'MediaDownloads1795000014100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_media DROP CONSTRAINT wa_media_state_check`);
    await q.query(`ALTER TABLE wa_media ADD CONSTRAINT wa_media_state_check CHECK (state IN ('pending','downloading','stored','failed'))`);
    await q.query(`ALTER TABLE wa_media DROP CONSTRAINT wa_media_origin_check`);
    await q.query(`ALTER TABLE wa_media ADD CONSTRAINT wa_media_origin_check CHECK (origin IN ('upload','inbound','sent'))`);
    await q.query(`ALTER TABLE wa_media ADD COLUMN announce jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_media DROP COLUMN announce`);
    await q.query(`DELETE FROM wa_media WHERE origin = 'sent'`);
    await q.query(`UPDATE wa_media SET state = 'pending' WHERE state = 'downloading'`);
    await q.query(`ALTER TABLE wa_media DROP CONSTRAINT wa_media_origin_check`);
    await q.query(`ALTER TABLE wa_media ADD CONSTRAINT wa_media_origin_check CHECK (origin IN ('upload','inbound'))`);
    await q.query(`ALTER TABLE wa_media DROP CONSTRAINT wa_media_state_check`);
    await q.query(`ALTER TABLE wa_media ADD CONSTRAINT wa_media_state_check CHECK (state IN ('pending','stored','failed'))`);
  }
}
