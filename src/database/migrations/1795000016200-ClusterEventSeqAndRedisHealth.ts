import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cluster mode, second round:
 * - `session_event_seqs`: the last sequence number given to a session's public events, bumped in
 *   the transaction that commits them, so that the numbers keep growing whichever node owns it;
 * - `cluster_nodes.redis_ok`: the node reached Redis within the lease TTL (its heartbeat says so);
 *   placement prefers such nodes, and a node without Redis hands its sessions to one.
 */
export class ClusterEventSeqAndRedisHealth1795000016200 implements MigrationInterface {
  name = 'ClusterEventSeqAndRedisHealth1795000016200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE session_event_seqs (
        session_id uuid PRIMARY KEY REFERENCES wa_sessions (id) ON DELETE CASCADE,
        seq bigint NOT NULL
      )`);
    await q.query(`ALTER TABLE cluster_nodes ADD COLUMN redis_ok boolean NOT NULL DEFAULT true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cluster_nodes DROP COLUMN redis_ok`);
    await q.query(`DROP TABLE session_event_seqs`);
  }
}
