/** Tenant-scoped reads of chats and messages (the session resolved first, then its store). */
import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../common/auth-context.js';
import { ChatQueries } from './chat-queries.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import type { ChatPageDto, MessagePageDto, PageQueryDto, ReceiptListDto } from './chats.dto.js';
import { ReceiptStore } from './receipts.js';

@Injectable()
export class ChatsReadService {
  constructor(
    private readonly sessions: SessionResolver,
    private readonly queries: ChatQueries,
    private readonly receiptStore: ReceiptStore,
  ) {}

  async chats(auth: AuthContext, q: PageQueryDto): Promise<ChatPageDto> {
    const session = await this.sessions.resolve(auth, q.sessionId);
    return this.queries.listChats(session.id, q.limit ?? 50, q.cursor);
  }

  async messages(auth: AuthContext, jid: string, q: PageQueryDto): Promise<MessagePageDto> {
    const session = await this.sessions.resolve(auth, q.sessionId);
    const chat = await this.queries.chatOf(session.id, jid);
    return this.queries.listMessages(session.id, chat, q.limit ?? 50, q.cursor);
  }

  /** Per-recipient receipts of one of the chat's messages (404 when the message is not in it). */
  async receipts(auth: AuthContext, sessionId: string | undefined, jid: string, messageId: string): Promise<ReceiptListDto> {
    const session = await this.sessions.resolve(auth, sessionId);
    const chat = await this.queries.chatOf(session.id, jid);
    const message = await this.queries.messageOf(session.id, chat, messageId);
    return { data: await this.receiptStore.list(session.id, message.remote_jid, message.wa_id) };
  }
}
