/**
 * The one place that mints media URLs, on every read (never stored): the public base + key or a
 * presigned URL for S3; for local disk our authenticated GET /media/:id/content.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';
import type { MediaEntity } from './media.entity.js';

@Injectable()
export class MediaUrls {
  private readonly base: string;
  private readonly publicBucket: boolean;

  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.base = config.http.publicBaseUrl?.replace(/\/+$/, '') ?? '';
    this.publicBucket = Boolean(config.media.s3?.publicBaseUrl);
  }

  /** Null while the bytes are not stored (pending or failed download). */
  async urlFor(row: Pick<MediaEntity, 'id' | 'state' | 'storageKey' | 'mime'>): Promise<string | null> {
    if (row.state !== 'stored' || !row.storageKey) return null;
    return (await this.storage.directUrl(row.storageKey, row.mime)) ?? this.contentPath(row.id);
  }

  /**
   * A URL that does not expire, for what is written down and read later (callback payloads wait in
   * the outbox): the public base + key, else GET /media/:id/content (with the API's credentials).
   */
  async stableUrlFor(row: Pick<MediaEntity, 'id' | 'state' | 'storageKey' | 'mime'>): Promise<string | null> {
    if (row.state !== 'stored' || !row.storageKey) return null;
    return this.publicBucket ? ((await this.storage.directUrl(row.storageKey, row.mime)) ?? this.contentPath(row.id)) : this.contentPath(row.id);
  }

  contentPath(id: string): string {
    return `${this.base}/media/${id}/content`;
  }
}
