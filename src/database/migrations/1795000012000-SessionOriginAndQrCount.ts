import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `origin`: who started the session, so a restart keeps what users created with the API (a
 * `POST /sessions` waiting for a scan) and removes only SSE onboardings whose client is gone.
 * `qr_count`: the QRs shown so far, so a restored session keeps the rest of its QR budget.
 */
export class SessionOriginAndQrCount1795000012000 implements MigrationInterface {
  name = 'SessionOriginAndQrCount1795000012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_sessions ADD COLUMN origin text NOT NULL DEFAULT 'api'`);
    await q.query(`ALTER TABLE wa_sessions ADD CONSTRAINT wa_sessions_origin_check CHECK (origin IN ('api','sse'))`);
    await q.query(`ALTER TABLE wa_sessions ADD COLUMN qr_count int NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_sessions DROP COLUMN qr_count`);
    await q.query(`ALTER TABLE wa_sessions DROP CONSTRAINT wa_sessions_origin_check`);
    await q.query(`ALTER TABLE wa_sessions DROP COLUMN origin`);
  }
}
