/**
 * An uploaded file on its way out (`POST /chats/:jid/messages { mediaId, content? }`): the
 * caller's stored media opened as a stream for Baileys, and `content` checked as its caption.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { MediaRepository } from './media-repository.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';
import type { MediaEntity } from './media.entity.js';

/** WhatsApp shows a caption under these kinds only. */
const CAPTIONED = new Set(['image', 'video', 'document']);

export interface OpenedMedia {
  media: MediaEntity;
  /** The stored bytes; the caller destroys it once sent (or not). */
  body: Readable;
}

@Injectable()
export class MediaSendService {
  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly repository: MediaRepository,
  ) {}

  /** 404 for another tenant's media, 409 while its bytes are not stored, 400 for a caption its kind cannot carry. */
  async open(auth: AuthContext, mediaId: string, caption?: string): Promise<OpenedMedia> {
    const media = await this.repository.findVisible(auth, mediaId);
    if (media.state !== 'stored' || !media.storageKey) {
      throw AppError.conflict('The media is not stored yet (its download is pending or failed)', { state: media.state });
    }
    if (caption !== undefined && !CAPTIONED.has(media.kind)) {
      throw AppError.badRequest(`A ${media.kind} cannot have a caption (content); only images, videos and documents can`, [
        { field: 'content', errors: [`not allowed with a ${media.kind}`] },
      ]);
    }
    return { media, body: await this.storage.get(media.storageKey) };
  }
}
