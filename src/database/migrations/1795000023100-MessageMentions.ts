import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `wa_messages.mentions`: the jids a message mentions (CONTRACT Part 3: messages expose `mentions: [jid]`); null when none. */
export class MessageMentions1795000023100 implements MigrationInterface {
  name = 'MessageMentions1795000023100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_messages ADD COLUMN mentions jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_messages DROP COLUMN mentions`);
  }
}
