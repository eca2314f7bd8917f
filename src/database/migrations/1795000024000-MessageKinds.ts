import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every message kind (CONTRACT Part 3): `wa_messages.rich` holds what a message carries beyond
 * text and media (location, contact cards, poll, link preview, event, mentions), decoded when it
 * is stored; rows written before it are decoded from their raw message when read. `wa_poll_votes`
 * keeps each voter's latest decrypted vote on a poll.
 */
export class MessageKinds1795000024000 implements MigrationInterface {
  name = 'MessageKinds1795000024000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_messages ADD COLUMN rich jsonb`);
    await q.query(`CREATE TABLE wa_poll_votes (
      session_id uuid NOT NULL,
      chat_id bigint NOT NULL,
      poll_wa_id text NOT NULL,
      voter_jid text NOT NULL,
      options jsonb NOT NULL,
      vote_wa_id text NOT NULL,
      voted_at bigint NOT NULL,
      CONSTRAINT wa_poll_votes_pkey PRIMARY KEY (session_id, chat_id, poll_wa_id, voter_jid)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wa_poll_votes`);
    await q.query(`ALTER TABLE wa_messages DROP COLUMN rich`);
  }
}
