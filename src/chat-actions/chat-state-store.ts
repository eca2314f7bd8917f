/**
 * Archive, pin, mute, read/unread and delete of a chat in our store, whoever made them (the API,
 * or another device of the account through app state), announced as `session.chats.update` in the
 * same transaction. Only what actually changes is announced: Baileys' echo of the session's own
 * patch, arriving after the API stored it, changes nothing and says nothing.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { rowsOf } from '../common/sql-rows.js';
import { LidMappings } from '../contacts/lid-mappings.js';
import { DomainEvents } from '../events/domain-events.js';
import type { ChatStateUpdate } from '../events/event-map.js';
import type { ChatStatePort } from '../sessions/live-session-deps.js';
import type { ChatStateChange } from '../whatsapp/chat-state-events.js';

export interface StoredChat {
  id: string;
  jid: string;
}

/** The chat an address names: its own jid, its PN or LID, or an alias it took. */
const FIND_CHAT_SQL = `SELECT c.id::text AS id, c.jid FROM wa_chats c
  WHERE c.session_id = $1 AND (c.jid = $2 OR c.pn_jid = $2 OR c.lid_jid = $2
     OR c.id IN (SELECT a.chat_id FROM wa_chat_aliases a WHERE a.session_id = $1 AND a.jid = $2))
  ORDER BY (c.jid = $2) DESC LIMIT 1`;

@Injectable()
export class ChatStateStore implements ChatStatePort {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: DomainEvents,
    private readonly mappings: LidMappings,
  ) {}

  async find(sessionId: string, jid: string, manager: EntityManager = this.dataSource.manager): Promise<StoredChat | undefined> {
    const rows: StoredChat[] = await manager.query(FIND_CHAT_SQL, [sessionId, jid]);
    return rows[0];
  }

  /** Changes from WhatsApp (app state): chats we do not store are left alone. */
  async apply(session: { sessionId: string; tenantId: string }, changes: ChatStateChange[]): Promise<void> {
    await this.store(session, changes, 'event');
  }

  /** Applies the changes; returns what changed. */
  async store(session: { sessionId: string; tenantId: string }, changes: ChatStateChange[], source: 'api' | 'event'): Promise<ChatStateUpdate[]> {
    let deleted = false;
    const updates = await this.events.transaction(async (t) => {
      const out: ChatStateUpdate[] = [];
      for (const change of changes) {
        const chat = await this.find(session.sessionId, change.jid, t.manager);
        if (!chat) continue;
        if (change.deleted) {
          await this.remove(t.manager, session.sessionId, chat.id);
          deleted = true;
          out.push({ jid: chat.jid, deleted: true });
          continue;
        }
        const update = await this.update(t.manager, chat, change);
        if (update) out.push(update);
      }
      if (out.length > 0) await t.emit('session.chats.update', session.sessionId, { tenantId: session.tenantId, updatesCount: out.length, updates: out, source });
      return out;
    });
    // A deleted chat's id may be cached by the chats module (ChatIdentity follows LidMappings' generation).
    if (deleted) this.mappings.forget(session.sessionId);
    return updates;
  }

  private async update(manager: EntityManager, chat: StoredChat, change: ChatStateChange): Promise<ChatStateUpdate | undefined> {
    const rows = rowsOf<{ archived: boolean; pinned: boolean; muted_until: string | null; unread_count: number; before: { archived: boolean; pinned: boolean; muted_until: string | null; unread_count: number } }>(await manager.query(
      `WITH before AS (SELECT archived, pinned, muted_until, unread_count FROM wa_chats WHERE id = $1 FOR UPDATE)
       UPDATE wa_chats c SET
         archived = COALESCE($2::boolean, c.archived),
         pinned = COALESCE($3::boolean, c.pinned),
         muted_until = CASE WHEN $4::boolean THEN $5::bigint ELSE c.muted_until END,
         unread_count = CASE WHEN $6::boolean IS NULL THEN c.unread_count WHEN $6::boolean THEN GREATEST(c.unread_count, 1) ELSE 0 END,
         updated_at = now()
        FROM before
       WHERE c.id = $1
       RETURNING c.archived, c.pinned, c.muted_until, c.unread_count,
                 json_build_object('archived', before.archived, 'pinned', before.pinned, 'muted_until', before.muted_until, 'unread_count', before.unread_count) AS before`,
      [chat.id, change.archived ?? null, change.pinned ?? null, 'mutedUntil' in change, change.mutedUntil ?? null, change.unread ?? null],
    ));
    const row = rows[0];
    if (!row) return undefined;
    if (typeof row.before === 'string') row.before = JSON.parse(row.before) as typeof row.before;
    const update: ChatStateUpdate = { jid: chat.jid };
    if (row.archived !== row.before.archived) update.archived = row.archived;
    if (row.pinned !== row.before.pinned) update.pinned = row.pinned;
    const muted = row.muted_until === null ? null : Number(row.muted_until);
    const mutedBefore = row.before.muted_until === null ? null : Number(row.before.muted_until);
    if (muted !== mutedBefore) update.mutedUntil = muted;
    if (Number(row.unread_count) !== Number(row.before.unread_count)) update.unreadCount = Number(row.unread_count);
    return Object.keys(update).length > 1 ? update : undefined;
  }

  private async remove(manager: EntityManager, sessionId: string, chatId: string): Promise<void> {
    await manager.query('DELETE FROM wa_reactions WHERE session_id = $1 AND chat_id = $2', [sessionId, chatId]);
    await manager.query('DELETE FROM wa_messages WHERE session_id = $1 AND chat_id = $2', [sessionId, chatId]);
    await manager.query('DELETE FROM wa_chat_aliases WHERE session_id = $1 AND chat_id = $2', [sessionId, chatId]);
    await manager.query('DELETE FROM wa_chats WHERE session_id = $1 AND id = $2', [sessionId, chatId]);
  }
}
