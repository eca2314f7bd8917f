import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, users, refresh tokens, e-mail tokens, the mail outbox, API keys, login failures. */
export class AuthTenantsUsers1795000000000 implements MigrationInterface {
  name = 'AuthTenantsUsers1795000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "tenants" (
      "id" uuid PRIMARY KEY,
      "name" varchar(100) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "users" (
      "id" uuid PRIMARY KEY,
      "tenant_id" uuid NOT NULL REFERENCES "tenants" ("id") ON DELETE CASCADE,
      "email" varchar(254) NOT NULL,
      "name" varchar(100) NOT NULL,
      "role" varchar(16) NOT NULL CHECK ("role" IN ('user', 'admin')),
      "password_hash" text NOT NULL,
      "email_verified_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_email_lower_key" ON "users" (lower("email"))`);
    await queryRunner.query(`CREATE INDEX "users_tenant_id_idx" ON "users" ("tenant_id")`);

    await queryRunner.query(`CREATE TABLE "refresh_tokens" (
      "id" uuid PRIMARY KEY,
      "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "family_id" uuid NOT NULL,
      "token_hash" varchar(64) NOT NULL,
      "expires_at" timestamptz NOT NULL,
      "rotated_at" timestamptz,
      "revoked_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE INDEX "refresh_tokens_family_id_idx" ON "refresh_tokens" ("family_id")`);
    await queryRunner.query(`CREATE INDEX "refresh_tokens_user_id_active_idx" ON "refresh_tokens" ("user_id") WHERE "revoked_at" IS NULL`);

    await queryRunner.query(`CREATE TABLE "email_tokens" (
      "id" uuid PRIMARY KEY,
      "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "purpose" varchar(32) NOT NULL CHECK ("purpose" IN ('verify_email', 'password_reset')),
      "token_hash" varchar(64) NOT NULL,
      "expires_at" timestamptz NOT NULL,
      "used_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE INDEX "email_tokens_user_id_purpose_idx" ON "email_tokens" ("user_id", "purpose")`);

    await queryRunner.query(`CREATE TABLE "mails" (
      "id" uuid PRIMARY KEY,
      "recipient" varchar(254) NOT NULL,
      "subject" varchar(200) NOT NULL,
      "body_text" text NOT NULL,
      "purpose" varchar(32) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE INDEX "mails_recipient_created_at_idx" ON "mails" (lower("recipient"), "created_at")`);

    await queryRunner.query(`CREATE TABLE "api_keys" (
      "id" uuid PRIMARY KEY,
      "name" varchar(100) NOT NULL,
      "prefix" varchar(32) NOT NULL,
      "key_hash" varchar(64) NOT NULL,
      "created_by" uuid REFERENCES "users" ("id") ON DELETE SET NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "revoked_at" timestamptz,
      "last_used_at" timestamptz
    )`);

    await queryRunner.query(`CREATE TABLE "login_failures" (
      "id" bigserial PRIMARY KEY,
      "account_key" varchar(254) NOT NULL,
      "ip" varchar(64) NOT NULL,
      "occurred_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE INDEX "login_failures_account_idx" ON "login_failures" ("account_key", "occurred_at")`);
    await queryRunner.query(`CREATE INDEX "login_failures_ip_idx" ON "login_failures" ("ip", "occurred_at")`);
    await queryRunner.query(`CREATE INDEX "login_failures_occurred_at_idx" ON "login_failures" ("occurred_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['login_failures', 'api_keys', 'mails', 'email_tokens', 'refresh_tokens', 'users', 'tenants']) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  }
}
