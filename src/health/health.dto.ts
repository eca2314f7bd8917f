import { ApiProperty } from '@nestjs/swagger';

class DatabaseHealthDto {
  @ApiProperty({ example: 'up' }) status: 'up';
  @ApiProperty({ example: 1.2 }) latencyMs: number;
}
class MemoryDto {
  @ApiProperty({ example: 123456789 }) rssBytes: number;
}
class WhatsAppVersionDto {
  @ApiProperty({ example: '2.3000.1031436981', description: 'The WhatsApp Web version sockets announce' }) version: string;
  @ApiProperty({ enum: ['fetched', 'configured', 'bundled'], example: 'fetched', description: 'fetched (WA_VERSION_URL), configured (WA_VERSION) or bundled (Baileys\' own)' })
  source: 'fetched' | 'configured' | 'bundled';
  @ApiProperty({ nullable: true, example: '2026-01-01T00:00:00.000Z', description: 'When it was last read' }) fetchedAt: string | null;
  @ApiProperty({ example: true, description: 'Whether the version is read at boot, periodically and after a 405 (WA_FETCH_LATEST_VERSION)' }) fetchLatest: boolean;
}
class WhatsAppHealthDto {
  @ApiProperty({ type: WhatsAppVersionDto }) version: WhatsAppVersionDto;
}
export class HealthDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 'ok' }) status: 'ok';
  @ApiProperty({ example: 42 }) uptimeSeconds: number;
  @ApiProperty({ type: DatabaseHealthDto }) database: DatabaseHealthDto;
  @ApiProperty({ type: MemoryDto }) memory: MemoryDto;
  @ApiProperty({ type: WhatsAppHealthDto }) whatsapp: WhatsAppHealthDto;
}
