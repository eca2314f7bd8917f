/** Webhook subscriptions and their outbox (the worker itself uses hand-written SQL for its hot path). */
import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { pgJsonTransformer, pgTextTransformer } from '../common/postgres-text.js';

export type SubscriptionDeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';
export const SUBSCRIPTION_DELIVERY_STATUSES: readonly SubscriptionDeliveryStatus[] = ['pending', 'delivering', 'delivered', 'dead'];

@Entity({ name: 'webhook_subscriptions' })
@Index('idx_webhook_subscriptions_tenant', ['tenantId', 'createdAt'])
export class WebhookSubscriptionEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'webhook_subscriptions_pkey' }) id: string;
  /** NULL: platform-wide (an admin's), every tenant's events. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true }) tenantId: string | null;
  @Column({ type: 'text' }) url: string;
  /** Event types, or `*`. */
  @Column({ type: 'text', array: true }) events: string[];
  /** NULL: every session. */
  @Column({ name: 'session_ids', type: 'uuid', array: true, nullable: true }) sessionIds: string[] | null;
  @Column({ type: 'jsonb', default: () => "'{}'", transformer: pgJsonTransformer }) headers: Record<string, string>;
  /** `whsec_<base64>`: the Standard Webhooks signing key (needed in clear to sign). */
  @Column({ type: 'text' }) secret: string;
  @Column({ type: 'text', nullable: true, transformer: pgTextTransformer }) description: string | null;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  /** Since when every attempt failed (NULL after any success). */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true }) failingSince: Date | null;
  /** Why it was disabled by us: `failing` (WEBHOOK_DISABLE_AFTER_HOURS) or `gone` (HTTP 410); NULL when by the user. */
  @Column({ name: 'disabled_reason', type: 'text', nullable: true }) disabledReason: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
}

@Entity({ name: 'webhook_subscription_deliveries' })
@Check('webhook_subscription_deliveries_status_check', "status IN ('pending', 'delivering', 'delivered', 'dead')")
@Unique('uq_webhook_subscription_deliveries_lane_seq', ['subscriptionId', 'sessionId', 'seq'])
@Index('idx_webhook_subscription_deliveries_undelivered', ['subscriptionId', 'sessionId', 'seq'], { where: "status IN ('pending', 'delivering')" })
@Index('idx_webhook_subscription_deliveries_log', ['subscriptionId', 'createdAt'])
@Index('idx_webhook_subscription_deliveries_status_created', ['status', 'createdAt'])
export class WebhookSubscriptionDeliveryEntity {
  /** Also the Standard Webhooks `webhook-id`, identical on every retry. */
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'webhook_subscription_deliveries_pkey' }) id: string;
  @Column({ name: 'subscription_id', type: 'uuid' })
  @ForeignKey(() => WebhookSubscriptionEntity, { name: 'webhook_subscription_deliveries_subscription_fkey', onDelete: 'CASCADE' })
  subscriptionId: string;
  /** The event's tenant (NULL for a platform-wide subscription's test). */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true }) tenantId: string | null;
  /** The event's session; the nil UUID for events of no session (webhook.test, webhook.disabled). */
  @Column({ name: 'session_id', type: 'uuid' }) sessionId: string;
  /** Position in the (subscription, session) order. */
  @Column({ type: 'bigint' }) seq: string;
  @Column({ name: 'event_type', type: 'text' }) eventType: string;
  /** The seed 002 envelope, sent as the body. */
  @Column({ type: 'jsonb', transformer: pgJsonTransformer }) body: Record<string, unknown>;
  @Column({ type: 'text', default: 'pending' }) status: SubscriptionDeliveryStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt: Date;
  @Column({ name: 'locked_by', type: 'text', nullable: true }) lockedBy: string | null;
  @Column({ name: 'lease_token', type: 'uuid', nullable: true }) leaseToken: string | null;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @Column({ name: 'last_status_code', type: 'integer', nullable: true }) lastStatusCode: number | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true }) lastAttemptAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' }) updatedAt: Date;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt: Date | null;
}

/** The per-(subscription, session) counter; only the outbox SQL touches it. */
@Entity({ name: 'webhook_subscription_sequences' })
export class WebhookSubscriptionSequenceEntity {
  @PrimaryColumn('uuid', { name: 'subscription_id', primaryKeyConstraintName: 'webhook_subscription_sequences_pkey' })
  @ForeignKey(() => WebhookSubscriptionEntity, { name: 'webhook_subscription_sequences_subscription_fkey', onDelete: 'CASCADE' })
  subscriptionId: string;
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'webhook_subscription_sequences_pkey' }) sessionId: string;
  @Column('bigint', { name: 'last_seq' }) lastSeq: string;
}

export const WEBHOOK_SUBSCRIPTION_ENTITIES = [WebhookSubscriptionEntity, WebhookSubscriptionDeliveryEntity, WebhookSubscriptionSequenceEntity];
