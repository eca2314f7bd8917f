/**
 * Sending a stored file to a chat (what `POST /chats/:jid/messages { mediaId, content? }` calls):
 * the bytes stream from storage into Baileys, `caption` goes with image, video and document.
 */
import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { SessionNotConnectedError } from '../sessions/live-session.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TimeoutError } from '../whatsapp/whatsapp-connection.js';
import { MediaRepository } from './media-repository.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';

export interface SentMedia {
  messageId: string;
  chatJid: string;
  timestamp: number;
}

@Injectable()
export class MediaSendService {
  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly repository: MediaRepository,
    private readonly sessions: SessionsService,
    private readonly registry: SessionRegistry,
  ) {}

  async send(auth: AuthContext, sessionId: string, chatJid: string, mediaId: string, caption?: string): Promise<SentMedia> {
    const session = await this.sessions.get(auth, sessionId);
    const media = await this.repository.findVisible(auth, mediaId);
    if (media.state !== 'stored' || !media.storageKey) {
      throw AppError.conflict('The media is not stored yet (its download is pending or failed)', { state: media.state });
    }
    const live = this.registry.get(session.id);
    if (!live) throw notConnected(session.status);
    const body = await this.storage.get(media.storageKey);
    try {
      const sent = await live.sendMedia(chatJid, media, body, caption);
      return { messageId: sent.id, chatJid, timestamp: sent.timestamp };
    } catch (err) {
      if (err instanceof SessionNotConnectedError) throw notConnected(err.status);
      if (err instanceof TimeoutError) throw new AppError(504, 'GATEWAY_TIMEOUT', 'WhatsApp did not take the media in time');
      throw AppError.unavailable('WhatsApp refused the media');
    } finally {
      body.destroy();
    }
  }
}

function notConnected(status: string): AppError {
  return new AppError(409, 'SESSION_NOT_CONNECTED', `The session is not connected (status: ${status})`, { status });
}
