/** Read models of the outbox tables (the worker itself uses hand-written SQL for its hot path). */
import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { pgJsonTransformer } from '../common/postgres-text.js';
import type { CallbackEvent } from './webhook-payloads.js';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'dead'];

@Entity({ name: 'webhook_deliveries' })
@Check('webhook_deliveries_event_check', "event IN ('new-session-connected', 'status-update', 'messages-received', 'qr-update')")
@Check('webhook_deliveries_status_check', "status IN ('pending', 'delivering', 'delivered', 'dead')")
@Unique('uq_webhook_deliveries_session_seq', ['sessionId', 'seq'])
@Unique('uq_webhook_deliveries_dedupe', ['sessionId', 'dedupeKey'])
@Index('idx_webhook_deliveries_undelivered', ['sessionId', 'seq'], { where: "status IN ('pending', 'delivering')" })
@Index('idx_webhook_deliveries_undelivered_age', ['createdAt'], { where: "status IN ('pending', 'delivering')" })
@Index('idx_webhook_deliveries_created', ['createdAt'])
@Index('idx_webhook_deliveries_tenant_created', ['tenantId', 'createdAt'])
@Index('idx_webhook_deliveries_status_created', ['status', 'createdAt'])
export class WebhookDeliveryEntity {
  /** Also the Standard Webhooks `webhook-id`, identical on every retry. */
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'webhook_deliveries_pkey' }) id: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId: string;
  @Column({ name: 'session_id', type: 'uuid' }) sessionId: string;
  /** Position in the session's callback sequence (delivery order). */
  @Column({ type: 'bigint' }) seq: string;
  @Column({ type: 'text' }) event: CallbackEvent;
  @Column({ type: 'text' }) path: string;
  @Column({ type: 'jsonb', transformer: pgJsonTransformer }) payload: Record<string, unknown>;
  @Column({ name: 'dedupe_key', type: 'text' }) dedupeKey: string;
  @Column({ type: 'text', default: 'pending' }) status: DeliveryStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ name: 'max_attempts', type: 'integer' }) maxAttempts: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt: Date;
  @Column({ name: 'locked_by', type: 'text', nullable: true }) lockedBy: string | null;
  @Column({ name: 'lease_token', type: 'uuid', nullable: true }) leaseToken: string | null;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @Column({ name: 'last_status_code', type: 'integer', nullable: true }) lastStatusCode: number | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' }) updatedAt: Date;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt: Date | null;
}

@Entity({ name: 'webhook_attempts' })
@Index('idx_webhook_attempts_delivery', ['deliveryId', 'attemptNo'])
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'webhook_attempts_pkey' }) id: string;
  @Column({ name: 'delivery_id', type: 'uuid' })
  @ForeignKey(() => WebhookDeliveryEntity, { name: 'webhook_attempts_delivery_id_fkey', onDelete: 'CASCADE' })
  deliveryId: string;
  @Column({ name: 'attempt_no', type: 'integer' }) attemptNo: number;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt: Date;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs: number;
  @Column({ name: 'status_code', type: 'integer', nullable: true }) statusCode: number | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
}

/**
 * The per-session callback counter; only the queue's hand-written SQL touches it. Declared so that
 * the migration CLI's entities describe every table the migrations create.
 */
@Entity({ name: 'webhook_session_sequences' })
export class WebhookSessionSequenceEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'webhook_session_sequences_pkey' }) sessionId: string;
  @Column('bigint', { name: 'last_seq' }) lastSeq: string;
}

export const WEBHOOK_ENTITIES = [WebhookDeliveryEntity, WebhookAttemptEntity, WebhookSessionSequenceEntity];
