import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wa_groups`: the groups of each session with their participants (PN and LID, admin roles) as
 * one JSON list, read and written whole: it is the metadata Baileys reads before every group send
 * (`cachedGroupMetadata`), kept in memory and here (CONTRACT Part 3, Groups).
 */
export class Groups1795000023000 implements MigrationInterface {
  name = 'Groups1795000023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wa_groups (
      session_id uuid NOT NULL,
      jid text NOT NULL,
      tenant_id uuid NOT NULL,
      subject text NOT NULL,
      description text,
      owner text,
      created_at timestamptz,
      size integer NOT NULL,
      announce boolean NOT NULL,
      restrict boolean NOT NULL,
      ephemeral integer NOT NULL,
      addressing_mode text NOT NULL,
      i_am_admin boolean NOT NULL,
      participants jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wa_groups_pkey PRIMARY KEY (session_id, jid),
      CONSTRAINT wa_groups_session_id_fkey FOREIGN KEY (session_id) REFERENCES wa_sessions (id) ON DELETE CASCADE
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wa_groups`);
  }
}
