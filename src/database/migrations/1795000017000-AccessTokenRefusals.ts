import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `access_token_refusals`: per user, access tokens issued before `not_before_ms` are refused until
 * `expires_at` (logout-all, password reset, user deletion), so that the refusal survives a restart
 * and reaches a node that boots later. No foreign key to users: a deleted user's row must stay.
 */
export class AccessTokenRefusals1795000017000 implements MigrationInterface {
  name = 'AccessTokenRefusals1795000017000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access_token_refusals (
        user_id uuid PRIMARY KEY,
        not_before_ms bigint NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX access_token_refusals_expires_at_idx ON access_token_refusals (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_token_refusals`);
  }
}
