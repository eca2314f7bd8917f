import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wa_sessions.proxy_url`: a session's own proxy (CONTRACT Part 3), applied at its next connect.
 * Kept as the URL with its credentials, like the session's WhatsApp credentials beside it (the
 * project has no encryption at rest); answers show only `scheme://host:port`.
 */
export class SessionProxy1795000021000 implements MigrationInterface {
  name = 'SessionProxy1795000021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_sessions ADD COLUMN proxy_url text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_sessions DROP COLUMN proxy_url`);
  }
}
