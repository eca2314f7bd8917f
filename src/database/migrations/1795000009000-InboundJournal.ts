import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Decrypted inbound messages held from before their receipt until their own commit. */
export class InboundJournal1795000009000 implements MigrationInterface {
  name = 'InboundJournal1795000009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wa_inbound_journal (
      session_id uuid NOT NULL,
      message_id text NOT NULL,
      part smallint NOT NULL,
      stanza bytea NOT NULL,
      plaintext bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wa_inbound_journal_pkey PRIMARY KEY (session_id, message_id, part)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wa_inbound_journal');
  }
}
