/**
 * The per-tenant media quota (MEDIA_QUOTA_BYTES_PER_TENANT): the bytes of the objects a tenant's
 * stored media rows point at. An upload and the `sent` rows that reuse its object share one key,
 * so an object is counted once however many messages carry it.
 *
 * Checked twice: before the bytes flow (the room left caps the stream, so an upload that cannot
 * fit stops being written once it passes it) and again when the row is inserted, inside the
 * row's transaction under a per-tenant lock, so that concurrent uploads cannot together pass it.
 */
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MediaEntity } from './media.entity.js';

export interface MediaUsage {
  usedBytes: number;
  count: number;
}

@Injectable()
export class MediaQuota {
  /** Null: no quota. */
  readonly limit: number | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(MediaEntity) private readonly rows: Repository<MediaEntity>,
  ) {
    this.limit = config.media.quotaBytesPerTenant;
  }

  async usage(tenantId: string, manager?: EntityManager): Promise<MediaUsage> {
    const [row] = (await (manager ?? this.rows.manager).query(
      `SELECT count(*)::int AS count, coalesce(sum(size), 0)::text AS bytes
         FROM (SELECT DISTINCT ON (storage_key) size FROM wa_media
                WHERE tenant_id = $1 AND state = 'stored' AND storage_key IS NOT NULL) objects`,
      [tenantId],
    )) as Array<{ count: number; bytes: string }>;
    return { usedBytes: Number(row?.bytes ?? 0), count: row?.count ?? 0 };
  }

  /** Bytes the tenant may still store (Infinity without a quota; 0 when full). */
  async room(tenantId: string): Promise<number> {
    if (this.limit === null) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.limit - (await this.usage(tenantId)).usedBytes);
  }

  /**
   * Inside the transaction that records `size` new bytes: waits for the tenant's other quota
   * checks (a transaction-scoped lock) and throws 413 MEDIA_QUOTA_EXCEEDED when they do not fit.
   */
  async reserve(manager: EntityManager, tenantId: string, size: number): Promise<void> {
    if (this.limit === null) return;
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('wa_media_quota:' || $1, 0))`, [tenantId]);
    const { usedBytes } = await this.usage(tenantId, manager);
    if (usedBytes + size > this.limit) throw this.exceeded(usedBytes, size);
  }

  exceeded(usedBytes: number | null, size?: number): AppError {
    return new AppError(413, 'MEDIA_QUOTA_EXCEEDED',
      `The tenant's media quota (${this.limit} bytes) is full: delete media (DELETE /media/:id) to make room`,
      { quotaBytes: this.limit, ...(usedBytes === null ? {} : { usedBytes }), ...(size === undefined ? {} : { size }) });
  }
}
