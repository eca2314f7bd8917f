import { ApiProperty } from '@nestjs/swagger';
import type { TenantEntity } from '../entities/tenant.entity.js';

export class TenantDto {
  @ApiProperty({ format: 'uuid', example: '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12' }) id: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) createdAt: string;
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) items: TenantDto[];
}

export function mapTenant(row: TenantEntity): TenantDto {
  return { id: row.id, name: row.name, createdAt: row.createdAt.toISOString() };
}
