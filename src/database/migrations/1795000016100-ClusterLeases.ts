import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cluster mode (REDIS_URL set): the node registry and one ownership lease per session. The epoch
 * is the fencing token: it grows on every claim, and credential/key writes check it in their own
 * transaction (postgres-auth-state.ts). Unused, and empty, on a single node.
 */
export class ClusterLeases1795000016100 implements MigrationInterface {
  name = 'ClusterLeases1795000016100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cluster_nodes (
        id text PRIMARY KEY,
        url text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        draining boolean NOT NULL DEFAULT false
      )`);
    await q.query(`
      CREATE TABLE session_leases (
        session_id uuid PRIMARY KEY REFERENCES wa_sessions (id) ON DELETE CASCADE,
        node_id text NOT NULL,
        epoch bigint NOT NULL,
        acquired_at timestamptz NOT NULL DEFAULT now(),
        renewed_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX session_leases_node_idx ON session_leases (node_id)`);
    await q.query(`CREATE INDEX session_leases_expires_idx ON session_leases (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE session_leases`);
    await q.query(`DROP TABLE cluster_nodes`);
  }
}
