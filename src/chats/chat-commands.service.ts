/**
 * What the REST API asks WhatsApp to do in a chat. Each command goes to the live session (409
 * when it is not connected, 504 when WhatsApp does not answer in time), and what it changed is
 * stored at once (idempotently: Baileys' own echo of it later changes nothing), so a read right
 * after the answer sees it.
 */
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { DomainEvents } from '../events/domain-events.js';
import type { LiveSession } from '../sessions/live-session.js';
import { SessionNotConnectedError } from '../sessions/session-errors.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { InboundMediaService } from '../media/inbound-media.service.js';
import { MediaSendService } from '../media/media-send.service.js';
import type { SessionContext, WaMessageRecord } from '../whatsapp/conversation-types.js';
import { TimeoutError } from '../whatsapp/timeout.js';
import type { StoredKey, WhatsAppCommands } from '../whatsapp/whatsapp-commands.js';
import type { ChatRef } from './chat-identity.js';
import { ChatQueries, parseJid, type MessageRow } from './chat-queries.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import type { MessageDto, SendChatMessageDto, SentChatMessageDto } from './chats.dto.js';
import type { QueueExecutor, QueueItem } from '../send-queue/queue-executor.js';
import type { QueuedDto } from '../send-queue/send-queue.dto.js';
import { SendQueueService } from '../send-queue/send-queue.service.js';
import type { Pacing, SessionEntity } from '../sessions/session.entity.js';
import { ConversationStore, ownJid } from './conversation-store.service.js';
import { PollVoteError } from '../whatsapp/outgoing-kinds.js';
import { kindOf } from './send-kinds.js';
import { LinkPreviewService } from './link-preview.service.js';

interface Target {
  session: SessionEntity;
  live: LiveSession;
  commands: WhatsAppCommands;
  ctx: SessionContext;
}

const now = (): number => Math.floor(Date.now() / 1000);

@Injectable()
export class ChatCommandsService implements Omit<QueueExecutor, 'send'> {
  constructor(
    private readonly sessions: SessionResolver,
    private readonly registry: SessionRegistry,
    private readonly queries: ChatQueries,
    private readonly store: ConversationStore,
    private readonly events: DomainEvents,
    private readonly media: MediaSendService,
    private readonly inboundMedia: InboundMediaService,
    private readonly queue: SendQueueService,
    private readonly linkPreviews: LinkPreviewService,
    @Inject(ROOT_LOGGER) private readonly logger: AppLogger,
  ) {}

  /** A send: at once (201), or queued when the session is paced (202, src/send-queue). */
  async send(auth: AuthContext, sessionId: string | undefined, jidParam: string, body: SendChatMessageDto): Promise<SentChatMessageDto | QueuedDto> {
    const session = await this.sessions.resolve(auth, sessionId);
    kindOf(body);
    if (session.pacing) return this.enqueue(auth, session, session.pacing, jidParam, body);
    const t = this.targetOf(session);
    const jid = parseJid(jidParam);
    const chat = await this.queries.findChat(t.session.id, jid);
    return this.sendNow(auth, t, chat, jid, body);
  }

  private async enqueue(auth: AuthContext, session: SessionEntity, pacing: Pacing, jidParam: string, body: SendChatMessageDto): Promise<QueuedDto> {
    const jid = parseJid(jidParam);
    const chat = await this.queries.findChat(session.id, jid);
    if (body.replyToMessageId) await this.storedIn(session.id, chat, body.replyToMessageId);
    if (body.mediaId === undefined) await this.forwardOf(session.id, body);
    else if (body.forwardMessageId !== undefined) throw mediaWithForward();
    const payload = {
      kind: 'chat' as const, userId: auth.userId, content: body.content, replyToMessageId: body.replyToMessageId, forwardMessageId: body.forwardMessageId, mediaId: body.mediaId,
      location: body.location, contacts: body.contacts, poll: body.poll, linkPreview: body.linkPreview, ...(body.mentions ? { mentions: body.mentions } : {}),
    };
    return this.queue.enqueue({ id: session.id, tenantId: session.tenantId, pacing }, chat?.jid ?? jid, payload);
  }

  private async sendNow(auth: AuthContext, t: Target, chat: ChatRef | undefined, jid: string, body: SendChatMessageDto, messageId?: string): Promise<SentChatMessageDto> {
    const quoted = body.replyToMessageId ? await this.storedIn(t.session.id, chat, body.replyToMessageId) : undefined;
    if (body.mediaId !== undefined) return this.sendMedia(auth, t, chat?.jid ?? jid, body, quoted?.raw ?? undefined, messageId);
    const forwarded = await this.forwardOf(t.session.id, body);
    const linkPreview = body.linkPreview && body.content !== undefined && !forwarded ? await this.linkPreviews.previewOf(t.session.id, body.content) : undefined;
    const { record, stored } = await this.store.whileSending(t.session.id, async () => {
      const sent = await this.call(() => t.commands.send(chat?.jid ?? jid, { text: body.content, quotedRaw: quoted?.raw ?? undefined, forwardRaw: forwarded?.raw ?? undefined, messageId, kind: kindOf(body), linkPreview, mentions: body.mentions?.map(mentionJid) }));
      const rows = await this.afterSent(t, sent.id, 'message', () => this.store.storeMessages(t.ctx, 'append', [sent], null));
      return { record: sent, stored: rows?.[0] };
    });
    return { id: record.id, chatJid: stored?.chatJid ?? chat?.jid ?? jid, status: record.status ?? 'sent', timestamp: record.timestamp };
  }

  private async forwardOf(sessionId: string, body: SendChatMessageDto): Promise<MessageRow | undefined> {
    const forwarded = body.forwardMessageId ? await this.queries.findMessage(sessionId, null, body.forwardMessageId) : undefined;
    if (body.forwardMessageId && !forwarded?.raw) throw AppError.notFound('No such message to forward in this session');
    if (forwarded && body.content !== undefined) throw AppError.badRequest('Send either content or forwardMessageId, not both', [{ field: 'content', errors: ['not allowed with forwardMessageId'] }]);
    return forwarded;
  }

  // --- the paced queue's executor (src/send-queue/queue-executor.ts) ---

  isReady(sessionId: string): boolean {
    return this.registry.get(sessionId)?.isConnected ?? false;
  }

  async wasSent(sessionId: string, messageId: string): Promise<boolean> {
    return (await this.queries.findMessage(sessionId, null, messageId)) !== undefined;
  }

  async typing(sessionId: string, chatJid: string): Promise<void> {
    await this.registry.get(sessionId)?.commands.presence(chatJid, 'composing');
  }

  /** A queued send, under the id it was queued with, in the name of who queued it. */
  async sendQueued(item: QueueItem): Promise<void> {
    const live = this.registry.get(item.sessionId);
    if (!live?.isConnected) throw notConnected(live?.status ?? 'disconnected');
    const t = this.targetOf({ id: item.sessionId, tenantId: item.tenantId } as SessionEntity);
    const p = item.payload;
    const auth: AuthContext = { userId: p.userId, tenantId: item.tenantId, role: 'user', via: 'api-key' };
    const body = { content: p.content, replyToMessageId: p.replyToMessageId, forwardMessageId: p.forwardMessageId, mediaId: p.mediaId, location: p.location, contacts: p.contacts, poll: p.poll, linkPreview: p.linkPreview, mentions: p.mentions } as SendChatMessageDto;
    const chat = await this.queries.findChat(item.sessionId, item.chatJid);
    await this.sendNow(auth, t, chat, item.chatJid, body, item.id);
  }

  /** An uploaded file (POST /media) sent as its kind, `content` its caption; the message then shows that media. */
  private async sendMedia(auth: AuthContext, t: Target, jid: string, body: SendChatMessageDto, quotedRaw: Buffer | undefined, messageId?: string): Promise<SentChatMessageDto> {
    if (body.forwardMessageId !== undefined) throw mediaWithForward();
    const { media, body: bytes } = await this.media.open(auth, body.mediaId!, body.content);
    let record: WaMessageRecord;
    try {
      record = await this.call(() => t.commands.sendMedia(jid, media, bytes, body.content, quotedRaw, messageId));
    } finally {
      bytes.destroy();
    }
    const [stored] = (await this.afterSent(t, record.id, 'media message', () => this.events.transaction(async (tx) => {
      await this.inboundMedia.linkSent(tx.manager, media, t.session.id, record.remoteJid, record.id);
      return this.store.storeMessages(t.ctx, 'append', [record], null, tx);
    }))) ?? [];
    return { id: record.id, chatJid: stored?.chatJid ?? jid, status: record.status ?? 'sent', timestamp: record.timestamp };
  }

  async read(auth: AuthContext, sessionId: string | undefined, jidParam: string, ids: string[]): Promise<number> {
    const t = await this.target(auth, sessionId);
    const chat = await this.queries.chatOf(t.session.id, jidParam);
    const rows = await Promise.all([...new Set(ids)].map((id) => this.queries.messageOf(t.session.id, chat, id)));
    const inbound = rows.filter((r) => !r.from_me);
    if (inbound.length > 0) await this.call(() => t.commands.read(inbound.map(keyOf)));
    return this.store.markRead(t.ctx, chat, inbound.map((r) => r.wa_id), now());
  }

  async edit(auth: AuthContext, sessionId: string | undefined, jidParam: string, messageId: string, content: string): Promise<MessageDto> {
    const t = await this.target(auth, sessionId);
    const chat = await this.queries.chatOf(t.session.id, jidParam);
    const row = await this.ownMessage(t, chat, messageId, 'edit');
    await this.call(() => t.commands.edit(row.remote_jid, keyOf(row), content));
    await this.afterSent(t, row.wa_id, 'edit', () => this.store.storeChanges(t.ctx, [{ id: row.wa_id, remoteJid: row.remote_jid, edit: { text: content, type: row.type, editedAt: now() } }]));
    return this.queries.messageDto(t.session.id, chat, messageId);
  }

  async delete(auth: AuthContext, sessionId: string | undefined, jidParam: string, messageId: string): Promise<MessageDto> {
    const t = await this.target(auth, sessionId);
    const chat = await this.queries.chatOf(t.session.id, jidParam);
    const row = await this.ownMessage(t, chat, messageId, 'delete');
    if (row.deleted_at === null) {
      await this.call(() => t.commands.revoke(row.remote_jid, keyOf(row)));
      await this.afterSent(t, row.wa_id, 'delete', () => this.store.storeChanges(t.ctx, [{ id: row.wa_id, remoteJid: row.remote_jid, revokedAt: now() }]));
    }
    return this.queries.messageDto(t.session.id, chat, messageId);
  }

  async react(auth: AuthContext, sessionId: string | undefined, jidParam: string, messageId: string, emoji: string | null): Promise<MessageDto> {
    const t = await this.target(auth, sessionId);
    const chat = await this.queries.chatOf(t.session.id, jidParam);
    const row = await this.queries.messageOf(t.session.id, chat, messageId);
    const sent = await this.call(() => t.commands.react(row.remote_jid, keyOf(row), emoji));
    this.store.noteApiReaction(t.session.id, sent.id);
    await this.afterSent(t, row.wa_id, 'reaction', () => this.events.transaction((tx) =>
      this.store.storeReactions(t.ctx, tx, [{ targetId: row.wa_id, remoteJid: row.remote_jid, actorJid: ownJid(t.ctx), fromMe: true, emoji, reactedAt: sent.timestamp }], 'api'),
    ));
    return this.queries.messageDto(t.session.id, chat, messageId);
  }

  /** Our vote on a poll of the chat (`[]` withdraws it); answers the poll with its results. */
  async vote(auth: AuthContext, sessionId: string | undefined, jidParam: string, messageId: string, options: string[]): Promise<MessageDto> {
    const t = await this.target(auth, sessionId);
    const chat = await this.queries.chatOf(t.session.id, jidParam);
    const row = await this.queries.messageOf(t.session.id, chat, messageId);
    if (!row.raw || row.deleted_at !== null) throw AppError.unprocessable('The message is not a poll one can vote on');
    await this.store.whileSending(t.session.id, async () => {
      const sent = await this.call(() => t.commands.vote(row.remote_jid, row.raw!, options));
      await this.afterSent(t, sent.id, 'vote', () => this.store.storeMessages(t.ctx, 'append', [sent], null));
    });
    return this.queries.messageDto(t.session.id, chat, messageId);
  }

  async presence(auth: AuthContext, sessionId: string | undefined, jidParam: string, presence: 'composing' | 'paused' | 'available'): Promise<void> {
    const t = await this.target(auth, sessionId);
    const jid = parseJid(jidParam);
    const chat = await this.queries.findChat(t.session.id, jid);
    await this.call(() => t.commands.presence(chat?.jid ?? jid, presence));
  }

  private async target(auth: AuthContext, sessionId: string | undefined): Promise<Target> {
    return this.targetOf(await this.sessions.resolve(auth, sessionId));
  }

  private targetOf(session: SessionEntity): Target {
    const live = this.registry.get(session.id);
    if (!live || !live.isConnected) throw notConnected(live?.status ?? session.status);
    const ctx: SessionContext = { sessionId: session.id, tenantId: session.tenantId, sessionPhone: () => live.ownPhone };
    try {
      return { session, live, commands: live.commands, ctx };
    } catch (err) {
      if (err instanceof SessionNotConnectedError) throw notConnected(err.status);
      throw err;
    }
  }

  private async storedIn(sessionId: string, chat: ChatRef | undefined, messageId: string): Promise<MessageRow> {
    if (!chat) throw AppError.notFound('No such message in this chat');
    const row = await this.queries.messageOf(sessionId, chat, messageId);
    if (!row.raw) throw AppError.notFound('No such message in this chat');
    return row;
  }

  private async ownMessage(t: Target, chat: ChatRef, messageId: string, what: string): Promise<MessageRow> {
    const row = await this.queries.messageOf(t.session.id, chat, messageId);
    if (!row.from_me) throw AppError.unprocessable(`WhatsApp only lets you ${what} your own messages`);
    return row;
  }

  /**
   * Stores what WhatsApp already accepted. A failure here must not answer 5xx (a client retrying
   * would send it twice): it is logged (never the text) and the answer goes on; Baileys' own echo
   * of the message is stored by the session as any message is.
   */
  private async afterSent<T>(t: Target, messageId: string, what: string, store: () => Promise<T>): Promise<T | undefined> {
    try {
      return await store();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      this.logger.error({ sessionId: t.session.id, tenantId: t.session.tenantId, messageId, code: typeof code === 'string' ? code : undefined }, `sent ${what} not stored`);
      return undefined;
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SessionNotConnectedError) throw notConnected(err.status);
      if (err instanceof PollVoteError) throw AppError.unprocessable(err.message, { reason: err.reason });
      if (err instanceof TimeoutError) throw new AppError(HttpStatus.GATEWAY_TIMEOUT, 'GATEWAY_TIMEOUT', 'WhatsApp did not answer in time');
      throw AppError.unavailable('WhatsApp refused the request');
    }
  }
}

function keyOf(r: MessageRow): StoredKey {
  return { remoteJid: r.remote_jid, id: r.wa_id, fromMe: r.from_me, participant: r.remote_jid.endsWith('@g.us') ? r.sender_jid : null };
}

/** `5491123456789` / `+549...` → a PN jid; jids as given. */
function mentionJid(m: string): string {
  return m.includes('@') ? m : `${m.replace(/^\+/, '')}@s.whatsapp.net`;
}

function mediaWithForward(): AppError {
  return AppError.badRequest('Send either mediaId or forwardMessageId, not both', [{ field: 'mediaId', errors: ['not allowed with forwardMessageId'] }]);
}

function notConnected(status: string): AppError {
  return new AppError(HttpStatus.CONFLICT, 'SESSION_NOT_CONNECTED', `The session is not connected (status: ${status})`, { status });
}
