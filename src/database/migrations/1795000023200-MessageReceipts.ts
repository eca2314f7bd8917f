import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wa_message_receipts`: per recipient, how far each of the session's messages got (delivered,
 * read, played) and when: every member of a group, the contact of a 1:1 chat
 * (GET /chats/:jid/messages/:messageId/receipts).
 */
export class MessageReceipts1795000023200 implements MigrationInterface {
  name = 'MessageReceipts1795000023200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wa_message_receipts (
      session_id uuid NOT NULL,
      remote_jid text NOT NULL,
      wa_id text NOT NULL,
      recipient_jid text NOT NULL,
      tenant_id uuid NOT NULL,
      status text NOT NULL,
      delivered_at bigint,
      read_at bigint,
      played_at bigint,
      CONSTRAINT wa_message_receipts_pkey PRIMARY KEY (session_id, remote_jid, wa_id, recipient_jid),
      CONSTRAINT wa_message_receipts_session_id_fkey FOREIGN KEY (session_id) REFERENCES wa_sessions (id) ON DELETE CASCADE
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wa_message_receipts`);
  }
}
