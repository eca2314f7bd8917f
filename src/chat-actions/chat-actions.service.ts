/**
 * PATCH /chats/:jid (archive, pin, mute, mark unread), DELETE /chats/:jid and presence
 * subscriptions: each applied on WhatsApp first (app state, so the phone and other devices follow),
 * then stored and announced (`session.chats.update`, chat-state-store.ts).
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ChatQueries, parseJid } from '../chats/chat-queries.js';
import type { ChatDto } from '../chats/chats.dto.js';
import { onAccount } from '../sessions/account-call.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import type { ChatChange, LastMessage } from '../whatsapp/account-commands.js';
import type { ChatStateChange } from '../whatsapp/chat-state-events.js';
import type { UpdateChatDto } from './chat-actions.dto.js';
import { ChatStateStore, type StoredChat } from './chat-state-store.js';

@Injectable()
export class ChatActionsService {
  constructor(
    private readonly resolver: SessionResolver,
    private readonly registry: SessionRegistry,
    private readonly store: ChatStateStore,
    private readonly dataSource: DataSource,
    private readonly queries: ChatQueries,
  ) {}

  async update(auth: AuthContext, sessionId: string | undefined, jidParam: string, body: UpdateChatDto): Promise<ChatDto> {
    const changes: ChatChange[] = [];
    if (body.archived !== undefined) changes.push({ archived: body.archived });
    if (body.pinned !== undefined) changes.push({ pinned: body.pinned });
    if (body.mutedUntil !== undefined) changes.push({ mutedUntil: body.mutedUntil === null ? null : Math.floor(Date.parse(body.mutedUntil) / 1000) });
    if (body.unread !== undefined) changes.push({ unread: body.unread });
    if (changes.length === 0) throw AppError.badRequest('Give archived, pinned, mutedUntil or unread', [{ field: 'archived', errors: ['one field is required'] }]);
    const { session, chat } = await this.target(auth, sessionId, jidParam);
    const last = await this.lastMessage(chat);
    await onAccount(this.registry, session, async (wa) => {
      for (const change of changes) await wa.modifyChat(chat.jid, change, last);
    });
    const stored: ChatStateChange = Object.assign({ jid: chat.jid }, ...changes);
    await this.store.store({ sessionId: session.id, tenantId: session.tenantId }, [stored], 'api');
    return this.queries.chatDto(session.id, chat.id);
  }

  async remove(auth: AuthContext, sessionId: string | undefined, jidParam: string): Promise<void> {
    const { session, chat } = await this.target(auth, sessionId, jidParam);
    const last = await this.lastMessage(chat);
    await onAccount(this.registry, session, (wa) => wa.modifyChat(chat.jid, { deleted: true }, last));
    await this.store.store({ sessionId: session.id, tenantId: session.tenantId }, [{ jid: chat.jid, deleted: true }], 'api');
  }

  async subscribePresence(auth: AuthContext, sessionId: string | undefined, jidParam: string): Promise<void> {
    const jid = parseJid(jidParam);
    if (!jid.endsWith('@s.whatsapp.net') && !jid.endsWith('@lid')) {
      throw AppError.badRequest("Only a person's presence can be subscribed to", [{ field: 'jid', errors: ['not a user jid'] }]);
    }
    const session = await this.resolver.resolve(auth, sessionId);
    await onAccount(this.registry, session, (wa) => wa.subscribePresence(jid));
  }

  private async target(auth: AuthContext, sessionId: string | undefined, jidParam: string): Promise<{ session: { id: string; tenantId: string; status: string }; chat: StoredChat }> {
    const jid = parseJid(jidParam);
    const session = await this.resolver.resolve(auth, sessionId);
    const chat = await this.store.find(session.id, jid);
    if (!chat) throw AppError.notFound('No such chat in this session');
    return { session, chat };
  }

  private async lastMessage(chat: StoredChat): Promise<LastMessage | null> {
    const rows: Array<{ wa_id: string; remote_jid: string; from_me: boolean; sender_jid: string | null; ts: string }> = await this.dataSource.query(
      'SELECT wa_id, remote_jid, from_me, sender_jid, ts FROM wa_messages WHERE chat_id = $1 ORDER BY ts DESC, id DESC LIMIT 1',
      [chat.id],
    );
    const r = rows[0];
    if (!r) return null;
    return { id: r.wa_id, remoteJid: r.remote_jid, fromMe: r.from_me, participant: r.remote_jid.endsWith('@g.us') && !r.from_me ? r.sender_jid : null, timestamp: Number(r.ts) };
  }
}
