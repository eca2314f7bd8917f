import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { MediaKind } from '../config/app-config.js';
import { MEDIA_KINDS } from './media-kinds.js';
import type { MediaEntity } from './media.entity.js';

const EXAMPLE_ID = '0b6f6a5e-3f1e-4a53-9c55-6d8f8e0c2a11';

export class MediaUploadQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The session the media is for (also accepted as a multipart field)' })
  @IsOptional() @IsUUID()
  sessionId?: string;
}

/** The multipart body of POST /media, for the OpenAPI document (parsed as a stream, not by a pipe). */
export class MediaUploadBodyDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The file. Its bytes decide its type, not its name or declared type.' })
  file: unknown;

  @ApiProperty({ enum: MEDIA_KINDS, example: 'image', description: 'Send `kind` before `file` so that its size limit applies while streaming' })
  kind: MediaKind;

  @ApiPropertyOptional({ format: 'uuid' })
  sessionId?: string;
}

export class MediaDto {
  @ApiProperty({ example: EXAMPLE_ID }) id: string;
  @ApiProperty({ enum: MEDIA_KINDS, example: 'image' }) kind: MediaKind;
  @ApiProperty({ example: 'image/jpeg' }) mime: string;
  @ApiProperty({ nullable: true, example: 120483, description: 'Bytes; null until stored' }) size: number | null;
  @ApiProperty({
    nullable: true,
    example: `/media/${EXAMPLE_ID}/content`,
    description:
      'Minted on every read, never stored: S3_PUBLIC_BASE_URL + key, else a presigned URL valid MEDIA_URL_TTL_SECONDS, ' +
      'else (local disk) GET /media/:id/content, which needs the same credentials as the API (`?accessToken=` for <img src>). ' +
      'Null while a download is pending or failed.',
  })
  url: string | null;
  @ApiProperty({ nullable: true, example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', description: 'SHA-256 of the bytes, hex' })
  sha256: string | null;
  @ApiProperty({ nullable: true, example: 'photo.jpg' }) fileName: string | null;
  @ApiProperty({ nullable: true, example: 720 }) width: number | null;
  @ApiProperty({ nullable: true, example: 1280 }) height: number | null;
  @ApiProperty({ nullable: true, example: null, description: 'Seconds (audio, voice, video)' }) duration: number | null;
  @ApiProperty({ nullable: true, format: 'uuid' }) sessionId: string | null;
  @ApiProperty({ enum: ['pending', 'downloading', 'stored', 'failed'], example: 'stored' }) state: MediaEntity['state'];
  @ApiProperty({ example: '2026-12-02T01:00:00.000Z' }) createdAt: string;
}

export class MediaUsageDto {
  @ApiProperty({ example: 73400320, description: "Bytes of the tenant's stored media objects (an object shared by an upload and its sent messages counts once)" })
  usedBytes: number;
  @ApiProperty({ nullable: true, example: 1073741824, description: 'MEDIA_QUOTA_BYTES_PER_TENANT; null when there is no quota' })
  quotaBytes: number | null;
  @ApiProperty({ nullable: true, example: 1000341504, description: 'What is left before uploads answer 413 MEDIA_QUOTA_EXCEEDED; null without a quota' })
  remainingBytes: number | null;
  @ApiProperty({ example: 42, description: 'Stored media objects' })
  count: number;
}

export function mapMedia(row: MediaEntity, url: string | null): MediaDto {
  return {
    id: row.id,
    kind: row.kind,
    mime: row.mime,
    size: row.size === null ? null : Number(row.size),
    url,
    sha256: row.sha256,
    fileName: row.fileName,
    width: row.width,
    height: row.height,
    duration: row.durationSeconds,
    sessionId: row.sessionId,
    state: row.state,
    createdAt: row.createdAt.toISOString(),
  };
}
