import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'main-backend', minLength: 1, maxLength: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  name: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid', example: '1d6f0c8e-2a4b-4e5c-9f7a-3b2c1d0e9f8a' }) id: string;
  @ApiProperty({ example: 'main-backend' }) name: string;
  @ApiProperty({ description: 'The start of the key, for recognising it', example: 'wao_1d6f0c8e' }) prefix: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, example: '3f0c4f5e-8a47-4c53-9a3b-0f4a1a2b3c4d' }) createdBy: string | null;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, example: null }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) revokedAt: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    description: 'The key itself. Shown only in this response: store it now.',
    example: 'wao_1d6f0c8e-2a4b-4e5c-9f7a-3b2c1d0e9f8a.q9J0m1dS3m7kzX1n8m6vY4pK2wQeR5tU7iO9pA1sD3f',
  })
  key: string;
}

export function mapApiKey(row: ApiKeyEntity): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
