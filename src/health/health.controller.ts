import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { Public } from '../common/auth-context.js';
import { formatVersion, WaVersionService } from '../whatsapp/wa-version.js';
import { HealthDto } from './health.dto.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly versions: WaVersionService,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and database health' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer' })
  async check(): Promise<HealthDto> {
    const started = process.hrtime.bigint();
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'SERVICE_UNAVAILABLE', 'Database unavailable');
    }
    return {
      success: true,
      status: 'ok',
      uptimeSeconds: Math.round(process.uptime()),
      database: { status: 'up', latencyMs: Number(process.hrtime.bigint() - started) / 1e6 },
      memory: { rssBytes: process.memoryUsage.rss() },
      whatsapp: { version: this.whatsappVersion() },
    };
  }

  private whatsappVersion(): HealthDto['whatsapp']['version'] {
    const v = this.versions.current;
    return { version: formatVersion(v.version), source: v.source, fetchedAt: v.fetchedAt?.toISOString() ?? null, fetchLatest: this.versions.enabled };
  }
}
