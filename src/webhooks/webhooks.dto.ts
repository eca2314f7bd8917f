/** Request and response shapes of the callbacks admin API, with their mappers. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { MAX_OFFSET } from '../common/validation.pipe.js';
import { CALLBACK_EVENTS, type CallbackEvent } from './webhook-payloads.js';
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookAttemptEntity, type WebhookDeliveryEntity } from './webhook.entities.js';
import type { QueueStats } from './webhook-queue.repository.js';

const SESSION_EXAMPLE = '3f1c2a9e-8d4b-4f7a-9c1e-2b5d6a7e8f90';
const TENANT_EXAMPLE = '0b7e4c1a-5f2d-4e8b-a3c6-9d1e2f3a4b5c';
const DELIVERY_EXAMPLE = 'c2d9e1f0-3a4b-4c5d-8e6f-7a8b9c0d1e2f';

export class ListDeliveriesQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, example: 'dead' })
  @IsOptional() @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ format: 'uuid', example: SESSION_EXAMPLE })
  @IsOptional() @IsUUID()
  sessionId?: string;

  @ApiPropertyOptional({ format: 'uuid', example: TENANT_EXAMPLE })
  @IsOptional() @IsUUID()
  tenantId?: string;

  @ApiPropertyOptional({ enum: CALLBACK_EVENTS, example: 'status-update' })
  @IsOptional() @IsIn(CALLBACK_EVENTS)
  event?: CallbackEvent;

  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)', example: '2026-11-01T00:00:00.000Z' })
  @IsOptional() @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ description: 'Created before (ISO 8601)', example: '2026-11-30T00:00:00.000Z' })
  @IsOptional() @IsISO8601()
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, example: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit = 50;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_OFFSET, default: 0, example: 0 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_OFFSET)
  offset = 0;
}

export class DeliveryIdParamDto {
  @ApiProperty({ format: 'uuid', example: DELIVERY_EXAMPLE })
  @IsUUID()
  id: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid', example: DELIVERY_EXAMPLE, description: 'Also the `webhook-id` header, the same on every retry' })
  id: string;
  @ApiProperty({ format: 'uuid', example: TENANT_EXAMPLE }) tenantId: string;
  @ApiProperty({ format: 'uuid', example: SESSION_EXAMPLE }) sessionId: string;
  @ApiProperty({ example: 7, description: 'Position in the session’s callback order' }) seq: number;
  @ApiProperty({ enum: CALLBACK_EVENTS, example: 'status-update' }) event: CallbackEvent;
  @ApiProperty({ example: '/api/whatsapp/sessions/status-update' }) path: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { session_id: SESSION_EXAMPLE, status: 'connected', error_message: null, timestamp: '2026-11-22T10:30:00.000Z', last_seen: '2026-11-22T10:30:00.000Z', detail_status: 'connected' },
  })
  payload: Record<string, unknown>;
  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'delivered' }) status: DeliveryStatus;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ example: 11 }) maxAttempts: number;
  @ApiProperty({ example: '2026-11-22T10:30:00.000Z' }) nextAttemptAt: string;
  @ApiProperty({ example: 200, nullable: true, type: Number }) lastStatusCode: number | null;
  @ApiProperty({ example: null, nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ example: '2026-11-22T10:30:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-22T10:30:00.050Z', nullable: true, type: String }) deliveredAt: string | null;
}

export class WebhookAttemptDto {
  @ApiProperty({ example: 1 }) attemptNo: number;
  @ApiProperty({ example: '2026-11-22T10:30:00.010Z' }) startedAt: string;
  @ApiProperty({ example: 12 }) durationMs: number;
  @ApiProperty({ example: 503, nullable: true, type: Number, description: 'null when no response arrived' }) statusCode: number | null;
  @ApiProperty({ example: 'HTTP 503: busy', nullable: true, type: String }) error: string | null;
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ type: [WebhookAttemptDto], description: 'Every recorded attempt, oldest first' })
  attemptLog: WebhookAttemptDto[];
}

export class DeliveryListResponseDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: [WebhookDeliveryDto] }) data: WebhookDeliveryDto[];
  @ApiProperty({ example: 1234 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

export class DeliveryDetailResponseDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: WebhookDeliveryDetailDto }) data: WebhookDeliveryDetailDto;
}

export class DeliveryResponseDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: WebhookDeliveryDto }) data: WebhookDeliveryDto;
}

class CountsByStatusDto {
  @ApiProperty({ example: 3 }) pending: number;
  @ApiProperty({ example: 1 }) delivering: number;
  @ApiProperty({ example: 10452 }) delivered: number;
  @ApiProperty({ example: 2 }) dead: number;
}

export class WebhookStatsResponseDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: CountsByStatusDto }) byStatus: CountsByStatusDto;
  @ApiProperty({ example: '2026-11-22T10:29:58.000Z', nullable: true, type: String, description: 'Creation time of the oldest pending/delivering callback' })
  oldestPendingAt: string | null;
  @ApiProperty({ example: 2.5, nullable: true, type: Number }) oldestPendingAgeSeconds: number | null;
}

export function mapDelivery(row: WebhookDeliveryEntity): WebhookDeliveryDto {
  return {
    id: row.id,
    tenantId: row.tenantId,
    sessionId: row.sessionId,
    seq: Number(row.seq),
    event: row.event,
    path: row.path,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    nextAttemptAt: row.nextAttemptAt.toISOString(),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt ? row.deliveredAt.toISOString() : null,
  };
}

export function mapAttempt(row: WebhookAttemptEntity): WebhookAttemptDto {
  return {
    attemptNo: row.attemptNo,
    startedAt: row.startedAt.toISOString(),
    durationMs: row.durationMs,
    statusCode: row.statusCode,
    error: row.error,
  };
}

export function mapStats(stats: QueueStats): WebhookStatsResponseDto {
  return {
    success: true,
    byStatus: stats.byStatus,
    oldestPendingAt: stats.oldestPendingCreatedAt ? new Date(stats.oldestPendingCreatedAt).toISOString() : null,
    oldestPendingAgeSeconds: stats.oldestPendingAgeSeconds,
  };
}
