/**
 * `POST /chats/:jid/messages/:messageId/media`: a stored message's media downloaded now (when
 * automatic downloads are off, or one failed), answered with the message and its media URL.
 */
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { decodePgJson } from '../common/postgres-text.js';
import { InboundMediaService } from '../media/inbound-media.service.js';
import { MediaDownloads } from '../media/media-downloads.service.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import type { WaMediaInfo } from '../whatsapp/conversation-types.js';
import { ChatQueries } from './chat-queries.js';
import type { MessageDto } from './chats.dto.js';

@Injectable()
export class ChatMediaService {
  constructor(
    private readonly sessions: SessionResolver,
    private readonly queries: ChatQueries,
    private readonly inbound: InboundMediaService,
    private readonly downloads: MediaDownloads,
  ) {}

  async download(auth: AuthContext, sessionId: string | undefined, jidParam: string, messageId: string): Promise<MessageDto> {
    const session = await this.sessions.resolve(auth, sessionId);
    const chat = await this.queries.chatOf(session.id, jidParam);
    const message = await this.queries.messageOf(session.id, chat, messageId);
    const info = message.media && message.deleted_at === null ? (decodePgJson(message.media) as unknown as WaMediaInfo) : undefined;
    const row = info ? await this.inbound.rowFor({ sessionId: session.id, tenantId: session.tenantId }, message.remote_jid, message.wa_id, info) : undefined;
    if (!row) throw AppError.unprocessable('This message carries no downloadable media');
    const done = await this.downloads.downloadNow(row);
    if (done.state !== 'stored') {
      throw new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'SERVICE_UNAVAILABLE', 'WhatsApp did not give the media', {
        state: done.state, attempts: done.attempts, reason: done.lastError,
      });
    }
    return this.queries.messageDto(session.id, chat, messageId);
  }
}
