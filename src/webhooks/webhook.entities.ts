/** Read models of the outbox tables (the worker itself uses hand-written SQL for its hot path). */
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { CallbackEvent } from './webhook-payloads.js';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'dead'];

@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  /** Also the Standard Webhooks `webhook-id`, identical on every retry. */
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId: string;
  @Column({ name: 'session_id', type: 'uuid' }) sessionId: string;
  /** Position in the session's callback sequence (delivery order). */
  @Column({ type: 'bigint' }) seq: string;
  @Column({ type: 'text' }) event: CallbackEvent;
  @Column({ type: 'text' }) path: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ name: 'dedupe_key', type: 'text' }) dedupeKey: string;
  @Column({ type: 'text' }) status: DeliveryStatus;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'max_attempts', type: 'integer' }) maxAttempts: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz' }) nextAttemptAt: Date;
  @Column({ name: 'locked_by', type: 'text', nullable: true }) lockedBy: string | null;
  @Column({ name: 'lease_token', type: 'uuid', nullable: true }) leaseToken: string | null;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @Column({ name: 'last_status_code', type: 'integer', nullable: true }) lastStatusCode: number | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt: Date | null;
}

@Entity({ name: 'webhook_attempts' })
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'delivery_id', type: 'uuid' }) deliveryId: string;
  @Column({ name: 'attempt_no', type: 'integer' }) attemptNo: number;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt: Date;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs: number;
  @Column({ name: 'status_code', type: 'integer', nullable: true }) statusCode: number | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
}

export const WEBHOOK_ENTITIES = [WebhookDeliveryEntity, WebhookAttemptEntity];
