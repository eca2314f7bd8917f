import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the retention job's conditions (src/retention/retention-rules.ts): without them each
 * batch DELETE scans its whole table. login_failures and webhook_deliveries had theirs already.
 */
export class RetentionIndexes1795000015100 implements MigrationInterface {
  name = 'RetentionIndexes1795000015100';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX "mails_created_at_idx" ON "mails" ("created_at")');
    await q.query('CREATE INDEX "refresh_tokens_expires_at_idx" ON "refresh_tokens" ("expires_at")');
    await q.query('CREATE INDEX "email_tokens_expires_at_idx" ON "email_tokens" ("expires_at")');
    await q.query('CREATE INDEX "email_tokens_used_at_idx" ON "email_tokens" ("used_at")');
    await q.query('CREATE INDEX "wa_inbound_journal_created_at_idx" ON "wa_inbound_journal" ("created_at")');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX "wa_inbound_journal_created_at_idx"');
    await q.query('DROP INDEX "email_tokens_used_at_idx"');
    await q.query('DROP INDEX "email_tokens_expires_at_idx"');
    await q.query('DROP INDEX "refresh_tokens_expires_at_idx"');
    await q.query('DROP INDEX "mails_created_at_idx"');
  }
}
