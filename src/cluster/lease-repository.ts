/**
 * The SQL of cluster mode: the node registry (`cluster_nodes`) and one ownership lease per session
 * (`session_leases`). Every claim, renewal and release is one statement, so two nodes racing for a
 * session cannot both win; the epoch grows on every claim and is the fencing token.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { rowsOf } from '../common/sql-rows.js';

export interface LiveNode {
  id: string;
  url: string;
  /** Unexpired leases it holds. */
  sessions: number;
}

export type OrphanKind = 'paired' | 'waiting' | 'abandoned';

export interface Orphan {
  sessionId: string;
  /** paired: log in again; waiting: an API-created session waiting for a scan; abandoned: an SSE onboarding whose client went with its node. */
  kind: OrphanKind;
}

export interface NodeRow {
  id: string;
  url: string;
  startedAt: Date;
  heartbeatAt: Date;
  draining: boolean;
  redisOk: boolean;
}

export interface LeaseRow {
  sessionId: string;
  nodeId: string;
  epoch: string;
  acquiredAt: Date;
  renewedAt: Date;
  expiresAt: Date;
}

const FINAL = ['expired', 'logged_out', 'error'];
const PENDING = ['init', 'qr_required', 'connecting', 'disconnected'];

@Injectable()
export class LeaseRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Registers (or re-registers, after a restart) this node as live and not draining. */
  async register(nodeId: string, url: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO cluster_nodes (id, url, started_at, heartbeat_at, draining) VALUES ($1, $2, now(), now(), false)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, started_at = now(), heartbeat_at = now(), draining = false`,
      [nodeId, url],
    );
  }

  /** Marks the node as leaving: placement gives it nothing more. */
  async drain(nodeId: string): Promise<void> {
    await this.dataSource.query('UPDATE cluster_nodes SET draining = true WHERE id = $1', [nodeId]);
  }

  /** Removes the node's row (a clean exit) and those of nodes silent for `staleMs`. */
  async forget(nodeId: string, staleMs: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM cluster_nodes WHERE id = $1 OR heartbeat_at < now() - $2 * interval '1 millisecond'`, [nodeId, staleMs]);
  }

  /** Claims a session if its lease is free, expired or already this node's: the new epoch, or null. */
  async claim(sessionId: string, nodeId: string, ttlMs: number): Promise<string | null> {
    const rows: Array<{ epoch: string }> = await this.dataSource.query(
      `INSERT INTO session_leases (session_id, node_id, epoch, acquired_at, renewed_at, expires_at)
       VALUES ($1, $2, 1, now(), now(), now() + $3 * interval '1 millisecond')
       ON CONFLICT (session_id) DO UPDATE SET node_id = EXCLUDED.node_id, epoch = session_leases.epoch + 1,
         acquired_at = now(), renewed_at = now(), expires_at = EXCLUDED.expires_at
       WHERE session_leases.expires_at <= now() OR session_leases.node_id = EXCLUDED.node_id
       RETURNING epoch::text AS epoch`,
      [sessionId, nodeId, ttlMs],
    );
    return rows[0]?.epoch ?? null;
  }

  /**
   * The heartbeat (with whether the node reaches Redis) and the renewal of every lease this node
   * holds, in one transaction: the ids it still holds (a lease missing from the answer was taken over).
   */
  async renew(nodeId: string, url: string, held: ReadonlyMap<string, string>, ttlMs: number, redisOk = true): Promise<Set<string>> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO cluster_nodes (id, url, redis_ok) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), redis_ok = EXCLUDED.redis_ok`,
        [nodeId, url, redisOk],
      );
      if (held.size === 0) return new Set<string>();
      const rows = rowsOf<{ session_id: string }>(await manager.query(
        `UPDATE session_leases l SET renewed_at = now(), expires_at = now() + $4 * interval '1 millisecond'
           FROM unnest($2::uuid[], $3::bigint[]) AS h(session_id, epoch)
          WHERE l.session_id = h.session_id AND l.epoch = h.epoch AND l.node_id = $1
          RETURNING l.session_id`,
        [nodeId, [...held.keys()], [...held.values()], ttlMs],
      ));
      return new Set(rows.map((r) => r.session_id));
    });
  }

  /** Gives a lease up (expired at once, epoch kept so that it only ever grows). */
  async release(sessionId: string, nodeId: string, epoch: string): Promise<void> {
    await this.dataSource.query('UPDATE session_leases SET expires_at = now() WHERE session_id = $1 AND node_id = $2 AND epoch = $3', [sessionId, nodeId, epoch]);
  }

  /**
   * The fencing check, inside a credential/key write's transaction: true while this node holds
   * the epoch. The row is share-locked, so a takeover waits until this write has committed.
   */
  async holds(manager: EntityManager, sessionId: string, nodeId: string, epoch: string): Promise<boolean> {
    const rows: unknown[] = await manager.query('SELECT 1 FROM session_leases WHERE session_id = $1 AND node_id = $2 AND epoch = $3 FOR SHARE', [sessionId, nodeId, epoch]);
    return rows.length > 0;
  }

  /**
   * The nodes placement may give sessions to, with their unexpired leases: those that beat within
   * `ttlMs`, are not draining and reach Redis; when no live node reaches Redis, all live ones
   * (nobody can do better, and sessions must run somewhere).
   */
  async liveNodes(ttlMs: number): Promise<LiveNode[]> {
    const rows: Array<{ id: string; url: string; sessions: number }> = await this.dataSource.query(
      `WITH live AS (
         SELECT id, url, redis_ok FROM cluster_nodes
          WHERE heartbeat_at > now() - $1 * interval '1 millisecond' AND NOT draining)
       SELECT n.id, n.url,
              (SELECT count(*)::int FROM session_leases l WHERE l.node_id = n.id AND l.expires_at > now()) AS sessions
         FROM live n
        WHERE n.redis_ok OR NOT EXISTS (SELECT 1 FROM live WHERE redis_ok)
        ORDER BY n.id`,
      [ttlMs],
    );
    return rows;
  }

  /** Whether another live, non-draining node reaches Redis (a node without it may hand its sessions over). */
  async peerWithRedis(nodeId: string, ttlMs: number): Promise<boolean> {
    const rows: Array<{ ok: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM cluster_nodes WHERE id <> $1 AND redis_ok AND NOT draining
                        AND heartbeat_at > now() - $2 * interval '1 millisecond') AS ok`,
      [nodeId, ttlMs],
    );
    return rows[0]?.ok === true;
  }

  /** The live owner of a session (unexpired lease), if any. */
  async ownerOf(sessionId: string): Promise<{ nodeId: string; url: string } | null> {
    const rows: Array<{ node_id: string; url: string }> = await this.dataSource.query(
      `SELECT l.node_id, n.url FROM session_leases l JOIN cluster_nodes n ON n.id = l.node_id
        WHERE l.session_id = $1 AND l.expires_at > now()`,
      [sessionId],
    );
    return rows[0] ? { nodeId: rows[0].node_id, url: rows[0].url } : null;
  }

  /**
   * Sessions meant to run that no node holds: their lease expired, or they never had one and are
   * older than `graceMs` (a row being created is claimed by its creator right after the insert).
   */
  async orphans(graceMs: number, limit: number): Promise<Orphan[]> {
    const rows: Array<{ id: string; paired: boolean; origin: string; status: string; desired_state: string }> = await this.dataSource.query(
      `SELECT s.id, s.origin, s.status, s.desired_state,
              EXISTS (SELECT 1 FROM wa_auth_creds c WHERE c.session_id = s.id AND c.creds ? 'me') AS paired
         FROM wa_sessions s LEFT JOIN session_leases l ON l.session_id = s.id
        WHERE s.status <> ALL($1::text[])
          AND (l.expires_at <= now() OR (l.session_id IS NULL AND s.created_at < now() - $2 * interval '1 millisecond'))
        ORDER BY s.created_at
        LIMIT $3`,
      [FINAL, graceMs, limit],
    );
    const out: Orphan[] = [];
    for (const r of rows) {
      if (r.paired) {
        if (r.desired_state === 'running') out.push({ sessionId: r.id, kind: 'paired' });
      } else if (PENDING.includes(r.status)) {
        if (r.origin === 'sse') out.push({ sessionId: r.id, kind: 'abandoned' });
        else if (r.desired_state === 'running') out.push({ sessionId: r.id, kind: 'waiting' });
      }
    }
    return out;
  }

  async nodes(): Promise<NodeRow[]> {
    const rows: Array<{ id: string; url: string; started_at: Date; heartbeat_at: Date; draining: boolean; redis_ok: boolean }> = await this.dataSource.query(
      'SELECT id, url, started_at, heartbeat_at, draining, redis_ok FROM cluster_nodes ORDER BY id',
    );
    return rows.map((r) => ({ id: r.id, url: r.url, startedAt: r.started_at, heartbeatAt: r.heartbeat_at, draining: r.draining, redisOk: r.redis_ok }));
  }

  async leases(): Promise<LeaseRow[]> {
    const rows: Array<{ session_id: string; node_id: string; epoch: string; acquired_at: Date; renewed_at: Date; expires_at: Date }> = await this.dataSource.query(
      'SELECT session_id, node_id, epoch::text AS epoch, acquired_at, renewed_at, expires_at FROM session_leases WHERE expires_at > now() ORDER BY node_id, acquired_at',
    );
    return rows.map((r) => ({ sessionId: r.session_id, nodeId: r.node_id, epoch: r.epoch, acquiredAt: r.acquired_at, renewedAt: r.renewed_at, expiresAt: r.expires_at }));
  }
}
