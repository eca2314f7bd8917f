import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wa_media.claimed_by`: the node whose download holds a `downloading` row (cluster mode's
 * NODE_ID; null for a single node). A node that starts again redoes only its own interrupted
 * downloads at boot; another node's are retaken when their lease is over.
 */
export class MediaClaimedBy1795000016300 implements MigrationInterface {
  name = 'MediaClaimedBy1795000016300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_media ADD COLUMN claimed_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_media DROP COLUMN claimed_by`);
  }
}
