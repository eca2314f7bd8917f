import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionsAndWhatsApp1795000002000 implements MigrationInterface {
  name = 'SessionsAndWhatsApp1795000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wa_sessions (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      created_by uuid,
      status text NOT NULL CHECK (status IN ('init','qr_required','connecting','connected','disconnected','expired','logged_out','error')),
      desired_state text NOT NULL DEFAULT 'running' CHECK (desired_state IN ('running','stopped')),
      phone text,
      whatsapp_user_id text,
      lid text,
      device_name text,
      account_type text CHECK (account_type IN ('personal','business')),
      platform text,
      qr_data_url text,
      qr_text text,
      qr_expires_at timestamptz,
      paired_at timestamptz,
      connected_at timestamptz,
      disconnected_at timestamptz,
      disconnected_reason text,
      last_status_code int,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX wa_sessions_tenant_idx ON wa_sessions (tenant_id, created_at)`);
    await q.query(`CREATE TABLE tenant_settings (
      tenant_id uuid PRIMARY KEY,
      download_media boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE wa_auth_creds (
      session_id uuid PRIMARY KEY,
      creds jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE wa_auth_keys (
      session_id uuid NOT NULL,
      type text NOT NULL,
      id text NOT NULL,
      value jsonb NOT NULL,
      PRIMARY KEY (session_id, type, id)
    )`);
    await q.query(`CREATE TABLE wa_messages (
      session_id uuid NOT NULL,
      remote_jid text NOT NULL,
      id text NOT NULL,
      tenant_id uuid NOT NULL,
      from_me boolean NOT NULL,
      remote_jid_alt text,
      sender_phone text,
      push_name text,
      type text NOT NULL,
      text text,
      status text,
      ts bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (session_id, remote_jid, id)
    )`);
    await q.query(`CREATE INDEX wa_messages_tenant_chat_idx ON wa_messages (tenant_id, session_id, remote_jid, ts)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wa_messages`);
    await q.query(`DROP TABLE wa_auth_keys`);
    await q.query(`DROP TABLE wa_auth_creds`);
    await q.query(`DROP TABLE tenant_settings`);
    await q.query(`DROP TABLE wa_sessions`);
  }
}
