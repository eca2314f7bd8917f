/** Request and response shapes of POST/GET/PATCH/DELETE /webhooks (contract Part 3), with their mappers. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf,
} from 'class-validator';
import { SUBSCRIPTION_DELIVERY_STATUSES, type SubscriptionDeliveryStatus, type WebhookSubscriptionEntity } from './webhook-subscription.entities.js';
import { MAX_HEADERS, SUBSCRIBABLE_EVENTS } from './subscription-input.js';

const WEBHOOK_EXAMPLE = '5a0c9f3e-2b7d-4c1a-9e8f-6d5c4b3a2f10';
const SESSION_EXAMPLE = '3f1c2a9e-8d4b-4f7a-9c1e-2b5d6a7e8f90';
const DELIVERY_EXAMPLE = 'c2d9e1f0-3a4b-4c5d-8e6f-7a8b9c0d1e2f';
const EVENTS_DESCRIPTION = `Event types, or ["*"] for all (also those added later). Valid: ${SUBSCRIBABLE_EVENTS.join(', ')}`;

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://crm.example.com/hooks/whatsapp', maxLength: 2048 })
  @IsString() @MaxLength(2048)
  url: string;

  @ApiProperty({ type: 'array', items: { type: 'string', enum: ['*', ...SUBSCRIBABLE_EVENTS] }, example: ['session.messages.upsert', 'session.messages.update'], description: EVENTS_DESCRIPTION })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(128) @IsString({ each: true }) @MaxLength(100, { each: true })
  events: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', example: [SESSION_EXAMPLE], description: 'Only these sessions (absent or null: every session)', nullable: true })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true })
  sessionIds?: string[] | null;

  @ApiPropertyOptional({
    type: 'object', additionalProperties: { type: 'string' }, example: { authorization: 'Bearer crm-token' },
    description: `Added to every delivery (at most ${MAX_HEADERS}; not host, content-*, webhook-* nor hop-by-hop ones)`,
  })
  @IsOptional() @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ example: 'CRM inbox', maxLength: 500 })
  @IsOptional() @IsString() @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ enum: ['tenant', 'platform'], default: 'tenant', description: 'platform (admins only): every tenant\'s events' })
  @IsOptional() @IsIn(['tenant', 'platform'])
  scope?: 'tenant' | 'platform';
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ example: 'https://crm.example.com/hooks/whatsapp', maxLength: 2048 })
  @IsOptional() @IsString() @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], example: ['*'], description: EVENTS_DESCRIPTION })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(128) @IsString({ each: true }) @MaxLength(100, { each: true })
  events?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', example: [SESSION_EXAMPLE], nullable: true, description: 'null: every session' })
  @ValidateIf((_o, v) => v !== null) @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true })
  sessionIds?: string[] | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { authorization: 'Bearer crm-token' } })
  @IsOptional() @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ example: 'CRM inbox', maxLength: 500, nullable: true })
  @ValidateIf((_o, v) => v !== null) @IsOptional() @IsString() @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ example: true, description: 'Enabling again clears the failure state' })
  @IsOptional() @IsBoolean()
  enabled?: boolean;
}

export class WebhookIdParamDto {
  @ApiProperty({ format: 'uuid', example: WEBHOOK_EXAMPLE })
  @IsUUID('all')
  id: string;
}

export class WebhookDeliveryParamDto extends WebhookIdParamDto {
  @ApiProperty({ format: 'uuid', example: DELIVERY_EXAMPLE })
  @IsUUID('all')
  deliveryId: string;
}

export class ListWebhookDeliveriesQueryDto {
  @ApiPropertyOptional({ enum: SUBSCRIPTION_DELIVERY_STATUSES, example: 'dead' })
  @IsOptional() @IsIn(SUBSCRIPTION_DELIVERY_STATUSES)
  status?: SubscriptionDeliveryStatus;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`nextCursor`)' })
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid', example: WEBHOOK_EXAMPLE }) id: string;
  @ApiProperty({ example: 'https://crm.example.com/hooks/whatsapp' }) url: string;
  @ApiProperty({ type: [String], example: ['session.messages.upsert'] }) events: string[];
  @ApiProperty({ type: [String], nullable: true, example: null, description: 'null: every session' }) sessionIds: string[] | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { authorization: 'Bearer crm-token' } }) headers: Record<string, string>;
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'CRM inbox' }) description: string | null;
  @ApiProperty({ enum: ['tenant', 'platform'], example: 'tenant' }) scope: 'tenant' | 'platform';
  @ApiProperty({ nullable: true, type: String, example: null, description: 'Since when every attempt failed' }) failingSince: string | null;
  @ApiProperty({ nullable: true, enum: ['failing', 'gone'], example: null, description: 'Why we disabled it (null: enabled, or disabled by a user)' })
  disabledReason: string | null;
  @ApiProperty({ example: '2026-12-06T10:30:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-12-06T10:30:00.000Z' }) updatedAt: string;
}

export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Shown only on creation and on rotate-secret' })
  secret: string;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] }) data: WebhookDto[];
}

export class SubscriptionDeliveryDto {
  @ApiProperty({ format: 'uuid', example: DELIVERY_EXAMPLE, description: 'Also the `webhook-id` header, the same on every retry' }) id: string;
  @ApiProperty({ format: 'uuid', example: WEBHOOK_EXAMPLE }) webhookId: string;
  @ApiProperty({ format: 'uuid', example: SESSION_EXAMPLE }) sessionId: string;
  @ApiProperty({ example: 12, description: 'Position in the (webhook, session) order' }) seq: number;
  @ApiProperty({ example: 'session.messages.upsert' }) event: string;
  @ApiProperty({ enum: SUBSCRIPTION_DELIVERY_STATUSES, example: 'delivered' }) status: SubscriptionDeliveryStatus;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ nullable: true, type: Number, example: 200 }) lastStatusCode: number | null;
  @ApiProperty({ nullable: true, type: String, example: null }) lastError: string | null;
  @ApiProperty({ nullable: true, type: String, example: '2026-12-06T10:30:00.050Z' }) lastAttemptAt: string | null;
  @ApiProperty({ example: '2026-12-06T10:30:00.000Z' }) nextAttemptAt: string;
  @ApiProperty({ example: '2026-12-06T10:30:00.000Z' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, example: '2026-12-06T10:30:00.050Z' }) deliveredAt: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The body sent: the seed 002 envelope' }) body: Record<string, unknown>;
}

export class SubscriptionDeliveryListDto {
  @ApiProperty({ type: [SubscriptionDeliveryDto] }) data: SubscriptionDeliveryDto[];
  @ApiProperty({ nullable: true, type: String, example: null }) nextCursor: string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function mapWebhook(row: WebhookSubscriptionEntity): WebhookDto {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    sessionIds: row.sessionIds,
    headers: row.headers,
    enabled: row.enabled,
    description: row.description,
    scope: row.tenantId === null ? 'platform' : 'tenant',
    failingSince: iso(row.failingSince),
    disabledReason: row.disabledReason,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export interface DeliveryRow {
  id: string;
  subscription_id: string;
  session_id: string;
  seq: string;
  event_type: string;
  status: SubscriptionDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date;
  created_at: Date;
  created_text: string;
  delivered_at: Date | null;
  body: string;
}

export function mapDelivery(row: DeliveryRow): SubscriptionDeliveryDto {
  return {
    id: row.id,
    webhookId: row.subscription_id,
    sessionId: row.session_id,
    seq: Number(row.seq),
    event: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    lastAttemptAt: iso(row.last_attempt_at),
    nextAttemptAt: new Date(row.next_attempt_at).toISOString(),
    createdAt: new Date(row.created_at).toISOString(),
    deliveredAt: iso(row.delivered_at),
    body: JSON.parse(row.body) as Record<string, unknown>,
  };
}
