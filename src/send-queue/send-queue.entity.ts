/** Read model of `send_queue` (the queue itself uses hand-written SQL). */
import { Check, Column, Entity, ForeignKey, Generated, Index, PrimaryColumn } from 'typeorm';
import { SessionEntity } from '../sessions/session.entity.js';

export type QueueStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
export const QUEUE_STATUSES: readonly QueueStatus[] = ['queued', 'sending', 'sent', 'failed', 'cancelled'];

@Entity({ name: 'send_queue' })
@Check('send_queue_status_check', "status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')")
@Index('send_queue_pending_idx', ['sessionId', 'seq'], { where: "status IN ('queued', 'sending')" })
@Index('send_queue_session_seq_idx', ['sessionId', 'seq'])
@Index('send_queue_finished_idx', ['updatedAt'], { where: "status IN ('sent', 'failed', 'cancelled')" })
export class SendQueueEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'send_queue_pkey' })
  @ForeignKey(() => SessionEntity, { name: 'send_queue_session_id_fkey', onDelete: 'CASCADE' })
  sessionId: string;
  /** The WhatsApp message id the send goes out with. */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'send_queue_pkey' }) id: string;
  @Column('bigint') @Generated('increment') seq: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'chat_jid' }) chatJid: string;
  @Column('jsonb') payload: unknown;
  @Column('text', { default: 'queued' }) status: QueueStatus;
  @Column('integer', { default: 0 }) attempts: number;
  @Column('text', { nullable: true }) error: string | null;
  @Column('timestamptz', { name: 'scheduled_at' }) scheduledAt: Date;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt: Date | null;
}
