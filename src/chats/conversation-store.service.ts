/**
 * The chats module's side of a live session: what Baileys reports (history, messages, changes,
 * reactions, contacts, chats, mappings, presence) is stored in one transaction per batch, and the
 * seed 002 events (plus the inbound-message callback) are emitted with it, published after commit.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DataSource } from 'typeorm';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG } from '../config/config.module.js';
import { encodePgText } from '../common/postgres-text.js';
import type { AppConfig } from '../config/app-config.js';
import { ContactStore } from '../contacts/contact-store.js';
import { LidMappings } from '../contacts/lid-mappings.js';
import { DomainEvents, type EventTransaction } from '../events/domain-events.js';
import { InboundMediaService } from '../media/inbound-media.service.js';
import type {
  ConversationSink, ConversationStorePort, LidPnPair, SessionContext, WaChatInfo, WaContact, WaHistoryChunk, WaMessageChange, WaMessageRecord, WaPresence, WaReaction, WaReceipt,
} from '../whatsapp/conversation-types.js';
import { ReceiptStore } from './receipts.js';
import { ChatIdentity, type ChatRef } from './chat-identity.js';
import { HistoryJobs } from './history-jobs.js';
import { LiveWrites, type LiveWrite } from './live-writes.js';
import { MessageWriter, type AppliedChange, type MessageRow, type StoredMessage } from './message-writer.js';
import { splitFoldedStatus, statusUpdatesOf } from './status-steps.js';
import { receivedOf, summaryOf } from './message-summaries.js';
import { PollVotes } from './poll-votes.js';
import { resolveSenderPhones } from './sender-phones.js';

/** How many message summaries a history event carries (the rest is in the store). */
export const HISTORY_EVENT_MESSAGES = 50;

@Injectable()
export class ConversationStore implements ConversationStorePort {
  /** Sends of each session whose message is not stored yet (see whileSending). */
  private readonly sending = new Map<string, Set<Promise<unknown>>>();
  /**
   * Reactions sent through the API (`session|reaction message id`), stored by the API call itself:
   * Baileys' echo of the same reaction, queued behind other events, must not undo a later change
   * (a ❤️ echoed after its own removal would put it back).
   */
  private readonly apiReactions = new LRUCache<string, true>({ max: 10_000, ttl: 10 * 60_000 });
  /** Live messages of every session share transactions while they flood in (live-writes.ts). */
  private readonly liveWrites: LiveWrites<MessageRow, StoredMessage | undefined>;

  private groupSubject?: (sessionId: string, jid: string) => Promise<string | null>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: DomainEvents,
    private readonly dataSource: DataSource,
    private readonly identity: ChatIdentity,
    private readonly writer: MessageWriter,
    private readonly contactStore: ContactStore,
    private readonly mappings: LidMappings,
    private readonly history: HistoryJobs,
    private readonly inboundMedia: InboundMediaService,
    private readonly receipts: ReceiptStore,
    private readonly pollVotes: PollVotes,
  ) {
    this.liveWrites = new LiveWrites(events, (t, rows) => writer.upsert(t.manager, rows), (sessionId) => this.identity.forget(sessionId));
  }

  /** The groups module registers where a group's subject is read (memory, then Postgres), for the callbacks. */
  useGroupSubjects(lookup: (sessionId: string, jid: string) => Promise<string | null>): void {
    this.groupSubject = lookup;
  }

  forSession(ctx: SessionContext): ConversationSink {
    // What another node (or an earlier run here) did to the session's chats is not in this node's caches.
    this.identity.forget(ctx.sessionId);
    return new SessionConversations(ctx, this);
  }

  async wipe(manager: EntityManager, sessionId: string): Promise<void> {
    this.identity.forget(sessionId);
    await this.writer.wipe(manager, sessionId);
    await this.contactStore.wipe(manager, sessionId);
    await this.inboundMedia.wipe(manager, sessionId);
    await manager.query('DELETE FROM wa_message_receipts WHERE session_id = $1', [sessionId]);
  }

  storeReceipts(ctx: SessionContext, receipts: WaReceipt[]): Promise<void> {
    return this.receipts.store(ctx, receipts);
  }

  // --- used by SessionConversations and ChatCommandsService ---

  /** A reaction the API sent and stores itself: its echo from Baileys is skipped. */
  noteApiReaction(sessionId: string, reactionMessageId: string): void {
    this.apiReactions.set(`${sessionId}|${reactionMessageId}`, true);
  }

  async storeMessages(ctx: SessionContext, kind: 'notify' | 'append' | 'history', records: WaMessageRecord[], requestId: string | null, tx?: EventTransaction): Promise<StoredMessage[]> {
    const reactions = records.filter((r) => r.reaction && !this.apiReactions.has(`${ctx.sessionId}|${r.id}`));
    const source = kind === 'history' ? 'history' : 'live';
    // Receipts Baileys folded into a live message of ours are stored (and announced) as changes.
    // Poll votes are stored as votes (decrypted against their poll), never as messages.
    const votes = records.filter((r) => r.kind === 'poll_vote');
    const split = records.filter((r) => !r.reaction && !r.isProtocol && r.kind !== 'poll_vote').map((r) => (source === 'live' ? splitFoldedStatus(r) : { record: r }));
    const plain = split.map((s) => s.record);
    const folded = split.flatMap((s) => (s.change ? [s.change] : []));
    let chats = new Map<string, ChatRef>();
    const write: LiveWrite<MessageRow, StoredMessage | undefined, StoredMessage[]> = {
      sessionId: ctx.sessionId,
      prepare: async (t) => {
        chats = await this.identity.resolve(t.manager, ctx.sessionId, ctx.tenantId, [...plain, ...reactions, ...votes].map((r) => ({ jid: r.remoteJid, alt: r.remoteJidAlt })));
        await resolveSenderPhones(t.manager, this.mappings, ctx.sessionId, plain);
        return plain.map((record) => ({ sessionId: ctx.sessionId, tenantId: ctx.tenantId, source, record, chatId: chats.get(record.remoteJid)!.id, chatJid: chats.get(record.remoteJid)!.jid }));
      },
      finish: async (t, written) => {
        const stored = written.filter((s): s is StoredMessage => s !== undefined);
        if (kind !== 'history' && stored.length > 0) {
          await t.emit('session.messages.upsert', ctx.sessionId, {
            tenantId: ctx.tenantId, upsertType: kind, requestId, messagesCount: stored.length, messages: stored.map(summaryOf),
          });
        }
        if (folded.length > 0) {
          const located = folded.map((change) => ({ change, chatId: chats.get(change.remoteJid)!.id, chatJid: chats.get(change.remoteJid)!.jid }));
          await this.emitStatuses(ctx, t, await this.writer.applyChanges(t.manager, ctx.sessionId, located));
        }
        if (kind !== 'history' && reactions.length > 0) {
          await this.storeReactions(ctx, t, reactions.map((r) => reactionOf(r, ctx)), 'event', chats);
        }
        if (votes.length > 0) await this.pollVotes.store(t, ctx, votes, chats);
        const callbacks = kind === 'history' ? (this.config.callbacks.historyMessages ? stored : []) : stored;
        const received = new Map(callbacks.filter((s) => !s.record.fromMe && !s.record.isStub).map((s) => [s.record.id, receivedOf(ctx, s.record, s.chatJid)]));
        for (const payload of received.values()) if (payload.isGroup) payload.groupSubject = (await this.groupSubject?.(ctx.sessionId, payload.chatJid)) ?? null;
        // A media message's callback may wait for its download (to carry the media's URL).
        const held = await this.inboundMedia.recordInbound(t.manager, ctx, kind, stored.map((s) => ({ record: s.record, announce: received.get(s.record.id) ?? null })));
        for (const [id, payload] of received) if (!held.has(id)) await t.emit('session.message.received', ctx.sessionId, payload);
        return stored;
      },
    };
    return tx ? this.forgetOnFailure(ctx, () => this.liveWrites.runIn(tx, write)) : this.liveWrites.write(write);
  }

  async storeReactions(ctx: SessionContext, t: EventTransaction, reactions: WaReaction[], source: 'event' | 'api', known?: Map<string, ChatRef>): Promise<void> {
    const chats = known ?? (await this.identity.resolve(t.manager, ctx.sessionId, ctx.tenantId, reactions.map((r) => ({ jid: r.remoteJid }))));
    const changed = [];
    for (const r of reactions) {
      const chat = chats.get(r.remoteJid)!;
      // In a one-to-one chat the other actor is the contact: named by the chat's canonical jid, whichever address it used.
      const actorJid = !r.fromMe && !chat.jid.endsWith('@g.us') ? chat.jid : r.actorJid;
      if (await this.writer.react(t.manager, ctx.sessionId, chat.id, r.targetId, actorJid, r.fromMe, r.emoji, r.reactedAt)) {
        changed.push({ messageId: r.targetId, chatJid: chat.jid, actorJid, fromMe: r.fromMe, emoji: r.emoji, reactedAt: r.reactedAt, removed: r.emoji === null });
      }
    }
    if (changed.length > 0) await t.emit('session.messages.reaction', ctx.sessionId, { tenantId: ctx.tenantId, reactionsCount: changed.length, reactions: changed, source });
  }

  async storeChanges(ctx: SessionContext, changes: WaMessageChange[], tx?: EventTransaction): Promise<void> {
    const run = async (t: EventTransaction): Promise<void> => {
      const located = [];
      for (const change of changes) {
        const chat = await this.identity.find(t.manager, ctx.sessionId, change.remoteJid);
        if (chat) located.push({ change, chatId: chat.id, chatJid: chat.jid });
      }
      const applied = await this.writer.applyChanges(t.manager, ctx.sessionId, located);
      await this.emitStatuses(ctx, t, applied);
      const edits = applied.filter((a) => a.applied.edit);
      if (edits.length > 0) {
        await t.emit('session.messages.edit', ctx.sessionId, {
          tenantId: ctx.tenantId, editsCount: edits.length,
          edits: edits.map((a) => ({ messageId: a.change.id, chatJid: a.chatJid, type: a.change.edit!.type, text: a.change.edit!.text, editedAt: a.change.edit!.editedAt })),
        });
      }
      const deletes = applied.filter((a) => a.applied.revoke);
      if (deletes.length > 0) {
        await t.emit('session.messages.delete', ctx.sessionId, {
          tenantId: ctx.tenantId, scope: 'message', deletesCount: deletes.length,
          deletes: deletes.map((a) => ({ messageId: a.change.id, chatJid: a.chatJid, deletedAt: a.change.revokedAt! })),
        });
      }
    };
    return tx ? run(tx) : this.events.transaction(run);
  }

  async storeHistory(ctx: SessionContext, chunk: WaHistoryChunk): Promise<void> {
    await this.forgetOnFailure(ctx, () => this.events.transaction(async (t) => {
      await this.applyMappings(ctx, t.manager, chunk.mappings);
      const contacts = await this.contactStore.upsert(t.manager, ctx.sessionId, ctx.tenantId, chunk.contacts);
      await this.storeChatInfo(ctx, t.manager, chunk.chats);
      const stored = await this.storeMessages(ctx, 'history', chunk.messages, null, t);
      await this.history.record(t.manager, ctx.sessionId, chunk.syncType, chunk.progress, chunk.chats.length, contacts.length, stored.length);
      await t.emit('session.history.sync', ctx.sessionId, {
        tenantId: ctx.tenantId, syncType: chunk.syncType, progress: chunk.progress, isLatest: chunk.isLatest, status: 'running',
        chatsCount: chunk.chats.length, contactsCount: contacts.length, messagesCount: stored.length,
        messagesTruncated: stored.length > HISTORY_EVENT_MESSAGES, messages: stored.slice(0, HISTORY_EVENT_MESSAGES).map(summaryOf),
      });
      if (contacts.length > 0) await this.emitContacts(ctx, t, contacts, 'history');
    }));
  }

  async historyStatus(ctx: SessionContext, syncType: string, status: 'complete' | 'paused'): Promise<void> {
    await this.events.transaction(async (t) => {
      const job = await this.history.finish(t.manager, ctx.sessionId, syncType, status);
      await t.emit('session.history.sync', ctx.sessionId, {
        tenantId: ctx.tenantId, syncType, progress: job?.progress ?? null, isLatest: true, status,
        chatsCount: job?.chatsCount ?? 0, contactsCount: job?.contactsCount ?? 0, messagesCount: job?.messagesCount ?? 0, messagesTruncated: false, messages: [],
      });
    });
  }

  async storeContacts(ctx: SessionContext, contacts: WaContact[]): Promise<void> {
    await this.forgetOnFailure(ctx, () => this.events.transaction(async (t) => {
      const rows = await this.contactStore.upsert(t.manager, ctx.sessionId, ctx.tenantId, contacts);
      if (rows.length > 0) await this.emitContacts(ctx, t, rows, 'event');
    }));
  }

  async storeChats(ctx: SessionContext, chats: WaChatInfo[]): Promise<void> {
    // Live chat updates carry unread counts as increments for an in-memory store: ours counts messages itself.
    // The account's own chat (its phone's protocol messages) is not a conversation.
    // An update that only moves the chat's time (Baileys sends one with every message) changes
    // nothing the message's own write does not: it costs no transaction.
    const me = ownJid(ctx);
    const live = chats
      .filter((c) => c.id.replace(/:\d+@/, '@') !== me)
      .filter((c) => c.name !== null || c.archived !== null || c.pinned !== null || c.mutedUntil !== null)
      .map((c) => ({ ...c, unreadCount: null }));
    if (live.length === 0) return;
    await this.forgetOnFailure(ctx, () => this.dataSource.transaction((m) => this.storeChatInfo(ctx, m, live)));
  }

  async storeMappings(ctx: SessionContext, pairs: LidPnPair[]): Promise<void> {
    // Baileys repeats a contact's mapping with each of its messages: a repeat costs nothing.
    if (this.mappings.allKnown(ctx.sessionId, pairs)) return;
    await this.forgetOnFailure(ctx, () => this.dataSource.transaction((m) => this.applyMappings(ctx, m, pairs)));
  }

  /**
   * Our read receipts, stored and reported as WhatsApp's own would be: the messages' status moves
   * to read (`session.messages.update`, source api) with the chat's unread count after it.
   */
  async markRead(ctx: SessionContext, chat: ChatRef, ids: string[], at: number): Promise<number> {
    return this.events.transaction(async (t) => {
      const { read, unreadCount } = await this.writer.markRead(t.manager, ctx.sessionId, chat.id, ids, at);
      if (read.length > 0) {
        await t.emit('session.messages.update', ctx.sessionId, {
          tenantId: ctx.tenantId, updatesCount: read.length, source: 'api',
          updates: read.map((r) => ({ messageId: r.waId, remoteJid: r.remoteJid, chatJid: chat.jid, status: 'read' as const, statusAt: at })),
          chats: [{ chatJid: chat.jid, unreadCount }],
        });
      }
      return read.length;
    });
  }

  /**
   * Runs one send and the store of what it sent. WhatsApp can ask for a retry of the message
   * before that store commits (the contact's retry receipt may arrive while the send's own key
   * writes are still going): `rawMessage` then waits for the sends in flight before it answers.
   */
  async whileSending<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const inFlight = this.sending.get(sessionId) ?? new Set<Promise<unknown>>();
    this.sending.set(sessionId, inFlight);
    const running = work();
    inFlight.add(running);
    try {
      return await running;
    } finally {
      inFlight.delete(running);
      if (inFlight.size === 0) this.sending.delete(sessionId);
    }
  }

  /** The stored raw WebMessageInfo (Baileys' getMessage), or undefined: never a placeholder. */
  async rawMessage(sessionId: string, remoteJid: string, id: string): Promise<Buffer | undefined> {
    const found = await this.writer.rawMessage(this.dataSource.manager, sessionId, remoteJid, id);
    const inFlight = this.sending.get(sessionId);
    if (found || !inFlight) return found;
    await Promise.allSettled([...inFlight]);
    return this.writer.rawMessage(this.dataSource.manager, sessionId, remoteJid, id);
  }

  presence(ctx: SessionContext, chatJid: string, updates: WaPresence[]): void {
    this.events.publish('session.presence.update', ctx.sessionId, { tenantId: ctx.tenantId, chatJid, updatesCount: updates.length, updates });
  }

  /** A write that failed may have left this node's chat and mapping caches ahead of the database. */
  private async forgetOnFailure<T>(ctx: SessionContext, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.identity.forget(ctx.sessionId);
      throw err;
    }
  }

  private async applyMappings(ctx: SessionContext, manager: EntityManager, pairs: LidPnPair[]): Promise<void> {
    if (pairs.length === 0) return;
    const fresh = await this.mappings.store(manager, ctx.sessionId, pairs);
    await this.identity.applyMappings(manager, ctx.sessionId, ctx.tenantId, fresh);
  }

  private async storeChatInfo(ctx: SessionContext, manager: EntityManager, chats: WaChatInfo[]): Promise<void> {
    if (chats.length === 0) return;
    const refs = await this.identity.resolve(manager, ctx.sessionId, ctx.tenantId, chats.map((c) => ({ jid: c.id, alt: c.id === c.pnJid ? c.lidJid : c.pnJid })));
    await manager.query(
      `UPDATE wa_chats c SET name = COALESCE(x.name, c.name), unread_count = COALESCE(x.unread, c.unread_count), archived = COALESCE(x.archived, c.archived),
              pinned = COALESCE(x.pinned, c.pinned), muted_until = COALESCE(x.muted_until, c.muted_until),
              last_message_at = GREATEST(c.last_message_at, COALESCE(x.ts, 0)), updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS x(chat_id bigint, name text, unread int, archived boolean, pinned boolean, muted_until bigint, ts bigint)
        WHERE c.id = x.chat_id`,
      [JSON.stringify(chats.map((c) => ({
        chat_id: refs.get(c.id)!.id, name: c.name === null ? null : encodePgText(c.name), unread: c.unreadCount, archived: c.archived, pinned: c.pinned,
        muted_until: c.mutedUntil, ts: c.conversationTimestamp,
      })))],
    );
  }

  /** The status changes applied, announced in order with the steps they imply (status-steps.ts). */
  private async emitStatuses(ctx: SessionContext, t: EventTransaction, applied: AppliedChange[]): Promise<void> {
    const updates = statusUpdatesOf(applied);
    if (updates.length > 0) await t.emit('session.messages.update', ctx.sessionId, { tenantId: ctx.tenantId, updatesCount: updates.length, source: 'receipt', updates });
  }

  private async emitContacts(ctx: SessionContext, t: EventTransaction, contacts: Awaited<ReturnType<ContactStore['upsert']>>, source: 'event' | 'history'): Promise<void> {
    const shown = contacts.slice(0, 200);
    await t.emit('session.contacts.upsert', ctx.sessionId, {
      tenantId: ctx.tenantId, contactsCount: contacts.length, contactsTruncated: shown.length < contacts.length, contacts: shown, source,
    });
  }

}

/**
 * The history syncs Baileys declares complete when the notification of their last chunk arrives,
 * before that chunk is downloaded and handed over: INITIAL_BOOTSTRAP at its first chunk, RECENT
 * at the chunk with progress 100.
 */
const COMPLETED_AHEAD = new Set(['INITIAL_BOOTSTRAP', 'RECENT']);
const isLastChunk = (c: WaHistoryChunk): boolean => c.lastSlice && (c.syncType !== 'RECENT' || c.progress === 100);

/**
 * One session's sink: a binding of the store to the session's context. It also holds back a
 * history `complete` until the chunk it announces is committed, so that the event never precedes
 * the last messages of the sync.
 */
class SessionConversations implements ConversationSink {
  /** Sync types declared complete whose last chunk is not stored yet. */
  private readonly awaitingLastChunk = new Set<string>();
  /** Sync types whose last chunk is stored but whose completion was not declared yet. */
  private readonly lastChunkStored = new Set<string>();

  constructor(private readonly ctx: SessionContext, private readonly store: ConversationStore) {}

  async history(chunk: WaHistoryChunk): Promise<void> {
    await this.store.storeHistory(this.ctx, chunk);
    if (!COMPLETED_AHEAD.has(chunk.syncType) || !isLastChunk(chunk)) return;
    if (this.awaitingLastChunk.delete(chunk.syncType)) await this.store.historyStatus(this.ctx, chunk.syncType, 'complete');
    else this.lastChunkStored.add(chunk.syncType);
  }

  async historyStatus(syncType: string, status: 'complete' | 'paused'): Promise<void> {
    if (status === 'complete' && COMPLETED_AHEAD.has(syncType) && !this.lastChunkStored.delete(syncType)) {
      this.awaitingLastChunk.add(syncType);
      return;
    }
    await this.store.historyStatus(this.ctx, syncType, status);
  }

  async messages(type: 'notify' | 'append', messages: WaMessageRecord[], requestId: string | null): Promise<void> {
    await this.store.storeMessages(this.ctx, type, messages, requestId);
  }
  changes(changes: WaMessageChange[]): Promise<void> { return this.store.storeChanges(this.ctx, changes); }
  receipts(receipts: WaReceipt[]): Promise<void> { return this.store.storeReceipts(this.ctx, receipts); }
  contacts(contacts: WaContact[]): Promise<void> { return this.store.storeContacts(this.ctx, contacts); }
  chats(chats: WaChatInfo[]): Promise<void> { return this.store.storeChats(this.ctx, chats); }
  mappings(pairs: LidPnPair[]): Promise<void> { return this.store.storeMappings(this.ctx, pairs); }
  presence(chatJid: string, updates: WaPresence[]): void { this.store.presence(this.ctx, chatJid, updates); }
  rawMessage(remoteJid: string, id: string): Promise<Buffer | undefined> { return this.store.rawMessage(this.ctx.sessionId, remoteJid, id); }
}

export function ownJid(ctx: SessionContext): string {
  const phone = ctx.sessionPhone();
  return phone ? `${phone}@s.whatsapp.net` : 'me';
}

function reactionOf(r: WaMessageRecord, ctx: SessionContext): WaReaction {
  return {
    targetId: r.reaction!.targetId, remoteJid: r.remoteJid, actorJid: r.fromMe ? ownJid(ctx) : (r.senderJid ?? r.remoteJid), fromMe: r.fromMe,
    emoji: r.reaction!.emoji, reactedAt: r.timestamp,
  };
}

