/** The cluster tables (migrations 1795000016100, 1795000016200): nodes, session ownership leases, event sequence numbers. */
import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { SessionEntity } from '../sessions/session.entity.js';

@Entity({ name: 'cluster_nodes' })
export class ClusterNodeEntity {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'cluster_nodes_pkey' }) id: string;
  @Column('text') url: string;
  @Column('timestamptz', { name: 'started_at', default: () => 'now()' }) startedAt: Date;
  @Column('timestamptz', { name: 'heartbeat_at', default: () => 'now()' }) heartbeatAt: Date;
  @Column('boolean', { default: false }) draining: boolean;
  @Column('boolean', { name: 'redis_ok', default: true }) redisOk: boolean;
}

@Entity({ name: 'session_leases' })
@Index('session_leases_node_idx', ['nodeId'])
@Index('session_leases_expires_idx', ['expiresAt'])
export class SessionLeaseEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'session_leases_pkey' })
  @ForeignKey(() => SessionEntity, { name: 'session_leases_session_id_fkey', onDelete: 'CASCADE' })
  sessionId: string;
  @Column('text', { name: 'node_id' }) nodeId: string;
  @Column('bigint') epoch: string;
  @Column('timestamptz', { name: 'acquired_at', default: () => 'now()' }) acquiredAt: Date;
  @Column('timestamptz', { name: 'renewed_at', default: () => 'now()' }) renewedAt: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
}

/** The last sequence number given to a session's public events (src/cluster/event-sequencer.ts). */
@Entity({ name: 'session_event_seqs' })
export class SessionEventSeqEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'session_event_seqs_pkey' })
  @ForeignKey(() => SessionEntity, { name: 'session_event_seqs_session_id_fkey', onDelete: 'CASCADE' })
  sessionId: string;
  @Column('bigint') seq: string;
}

export const CLUSTER_ENTITIES = [ClusterNodeEntity, SessionLeaseEntity, SessionEventSeqEntity];
