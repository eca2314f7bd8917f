/** Media: upload, its description with a freshly minted URL, its bytes (whole or a range), deletion and the tenant's usage. */
import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { parseRange } from './byte-range.js';
import { mapMedia, type MediaDto, type MediaUsageDto } from './media.dto.js';
import { MediaQuota } from './media-quota.js';
import { MediaRepository } from './media-repository.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';
import { MediaUploadsService } from './media-uploads.service.js';
import { MediaUrls } from './media-urls.js';

export interface MediaContent {
  status: 200 | 206;
  headers: Record<string, string>;
  body: Readable;
}

@Injectable()
export class MediaService {
  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly repository: MediaRepository,
    private readonly urls: MediaUrls,
    private readonly uploads: MediaUploadsService,
    private readonly quota: MediaQuota,
  ) {}

  async upload(auth: AuthContext, request: FastifyRequest, sessionId?: string): Promise<MediaDto> {
    const row = await this.uploads.upload(auth, request, sessionId);
    return mapMedia(row, await this.urls.urlFor(row));
  }

  async describe(auth: AuthContext, id: string): Promise<MediaDto> {
    const row = await this.repository.findVisible(auth, id);
    return mapMedia(row, await this.urls.urlFor(row));
  }

  /**
   * Deletes the row, then its object unless another row still points at it (an upload that a sent
   * message reuses keeps its object until both are deleted). The row goes first: a failure between
   * the two leaves an unreferenced object, never a row whose bytes are gone.
   */
  async remove(auth: AuthContext, id: string): Promise<void> {
    const row = await this.repository.findVisible(auth, id);
    const { deleted, orphanKey } = await this.repository.deleteUnclaimed(row.id);
    if (!deleted) {
      await this.repository.findVisible(auth, id);
      throw AppError.conflict('The media is being downloaded: delete it once the download ends', { state: 'downloading' });
    }
    if (orphanKey) await this.storage.delete(orphanKey);
  }

  async usage(auth: AuthContext): Promise<MediaUsageDto> {
    const { usedBytes, count } = await this.quota.usage(auth.tenantId);
    const quotaBytes = this.quota.limit;
    return { usedBytes, quotaBytes, remainingBytes: quotaBytes === null ? null : Math.max(0, quotaBytes - usedBytes), count };
  }

  async content(auth: AuthContext, id: string, rangeHeader: string | undefined): Promise<MediaContent> {
    const row = await this.repository.findVisible(auth, id);
    if (row.state !== 'stored' || !row.storageKey || row.size === null) {
      throw AppError.conflict('The media is not stored yet (its download is pending or failed)', { state: row.state });
    }
    const size = Number(row.size);
    const range = parseRange(rangeHeader, size);
    const headers: Record<string, string> = {
      'content-type': row.mime,
      'accept-ranges': 'bytes',
      'cache-control': 'private, max-age=3600',
      'content-disposition': contentDisposition(row.kind === 'document' ? 'attachment' : 'inline', row.fileName),
      ...(row.sha256 ? { etag: `"${row.sha256}"` } : {}),
    };
    const body = await this.storage.get(row.storageKey, range);
    if (!range) return { status: 200, headers: { ...headers, 'content-length': String(size) }, body };
    return {
      status: 206,
      headers: { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${size}` },
      body,
    };
  }
}

function contentDisposition(type: 'inline' | 'attachment', fileName: string | null): string {
  if (!fileName) return type;
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
