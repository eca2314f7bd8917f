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

  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.base = config.http.publicBaseUrl?.replace(/\/+$/, '') ?? '';
  }

  /** Null while the bytes are not stored (pending or failed download). */
  async urlFor(row: Pick<MediaEntity, 'id' | 'state' | 'storageKey' | 'mime'>): Promise<string | null> {
    if (row.state !== 'stored' || !row.storageKey) return null;
    return (await this.storage.directUrl(row.storageKey, row.mime)) ?? this.contentPath(row.id);
  }

  contentPath(id: string): string {
    return `${this.base}/media/${id}/content`;
  }
}
