/** Shapes of a paced send's 202 and of GET/DELETE /sessions/:id/queue. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QUEUE_STATUSES, type QueueStatus } from './send-queue.entity.js';

const EXAMPLE_ID = '3EB0A1B2C3D4E5F6A7B8C9';

/** 202 of a send on a paced session (CONTRACT.md Part 3). */
export class QueuedDto {
  @ApiProperty({ example: EXAMPLE_ID, description: 'The WhatsApp message id the send will go out with (session.messages.update and receipts use it)' }) id: string;
  @ApiProperty({ example: 'queued', enum: ['queued'] }) status: 'queued';
  @ApiProperty({ example: '5491123456789@s.whatsapp.net' }) chatJid: string;
  @ApiProperty({ example: '2026-01-01T00:00:05.000Z', description: 'The earliest it may go (the queue ahead of it at the shortest gaps)' }) scheduledAt: string;
}

/** Seed 001's send-message on a paced session: its `{ success: true }` with the fields above. */
export class QueuedSendMessageDto extends QueuedDto {
  @ApiProperty({ example: true }) success: true;
}

export class QueueItemDto {
  @ApiProperty({ example: EXAMPLE_ID }) id: string;
  @ApiProperty({ example: '5491123456789@s.whatsapp.net' }) chatJid: string;
  @ApiProperty({ enum: QUEUE_STATUSES, example: 'queued' }) status: QueueStatus;
  @ApiProperty({ example: '2026-01-01T00:00:05.000Z' }) scheduledAt: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) createdAt: string;
  @ApiProperty({ nullable: true, example: null, description: 'When it went to WhatsApp' }) sentAt: string | null;
  @ApiProperty({ example: 0 }) attempts: number;
  @ApiProperty({ nullable: true, example: null, description: 'Why it failed' }) error: string | null;
  @ApiProperty({ nullable: true, example: 'Hola!' }) content: string | null;
  @ApiProperty({ nullable: true, example: null }) mediaId: string | null;
  @ApiProperty({ nullable: true, example: null }) replyToMessageId: string | null;
  @ApiProperty({ nullable: true, example: null }) forwardMessageId: string | null;
}

export class QueuePageDto {
  @ApiProperty({ type: [QueueItemDto] }) data: QueueItemDto[];
  @ApiProperty({ nullable: true, example: null }) nextCursor: string | null;
}

export class QueueItemEnvelopeDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: QueueItemDto }) data: QueueItemDto;
}

export class QueueQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`nextCursor`)' })
  @IsOptional() @IsString() @MaxLength(512) cursor?: string;
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Also the sends that are over (sent, failed, cancelled), kept as long as delivered callbacks' })
  @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean() all?: boolean;
}
