import { ApiProperty } from '@nestjs/swagger';

class DatabaseHealthDto {
  @ApiProperty({ example: 'up' }) status: 'up';
  @ApiProperty({ example: 1.2 }) latencyMs: number;
}
class MemoryDto {
  @ApiProperty({ example: 123456789 }) rssBytes: number;
}
export class HealthDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 'ok' }) status: 'ok';
  @ApiProperty({ example: 42 }) uptimeSeconds: number;
  @ApiProperty({ type: DatabaseHealthDto }) database: DatabaseHealthDto;
  @ApiProperty({ type: MemoryDto }) memory: MemoryDto;
}
