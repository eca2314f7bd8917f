import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `call_settings`: a tenant's call auto-reject and its optional answer text (CONTRACT Part 3, POST /config/calls). */
export class CallSettings1795000025000 implements MigrationInterface {
  name = 'CallSettings1795000025000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE call_settings (
      tenant_id uuid PRIMARY KEY,
      auto_reject boolean NOT NULL,
      message text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE call_settings`);
  }
}
