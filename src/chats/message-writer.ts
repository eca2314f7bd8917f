/**
 * Writes of messages, reactions and changes, idempotent by (session, chat, WhatsApp id): a repeat
 * never duplicates a row, and a decrypt-failure stub is completed in place by the real content.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { rowsOf } from '../common/sql-rows.js';
import { encodePgJson, encodePgText } from '../common/postgres-text.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import type { WaMessageChange, WaMessageRecord } from '../whatsapp/conversation-types.js';

export interface StoredMessage {
  record: WaMessageRecord;
  chatId: string;
  chatJid: string;
  rowId: string;
  /** False when the write completed a stub rather than inserting a new row. */
  inserted: boolean;
}

export interface AppliedChange {
  change: WaMessageChange;
  chatJid: string;
  applied: { status?: boolean; edit?: boolean; revoke?: boolean };
  /** The status the message had before `applied.status` moved it. */
  previousStatus?: string | null;
}

const enc = (v: string | null | undefined): string | null => (typeof v === 'string' ? encodePgText(v) : null);

/** Status never goes backwards (a late "delivered" after "read" changes nothing). */
const RANK = `CASE %s WHEN 'error' THEN 0 WHEN 'pending' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'played' THEN 5 ELSE -1 END`;
const rank = (col: string): string => RANK.replace('%s', col);

/**
 * One statement for the rows of any sessions: the rows, then each chat's newest message and unread
 * count from what was written. A repeat writes nothing. The only update is a stub's completion
 * (`inserted` false): it counts as unread then, as the stub itself did not.
 */
const UPSERT = new PreparedStatement('wa_messages_upsert', `WITH written AS (
     INSERT INTO wa_messages (session_id, tenant_id, chat_id, wa_id, remote_jid, from_me, sender_jid, sender_phone, push_name, ts, type, kind,
                              text, status, quoted_id, forwarded, source, is_stub, media, raw, mentions, rich)
     SELECT x.session_id, x.tenant_id, x.chat_id, x.wa_id, x.remote_jid, x.from_me, x.sender_jid, x.sender_phone, x.push_name, x.ts, x.type, x.kind,
            x.text, x.status, x.quoted_id, x.forwarded, x.source, x.is_stub, x.media, decode(x.raw, 'base64'), x.mentions, x.rich
       FROM jsonb_to_recordset($1::jsonb) AS x(session_id uuid, tenant_id uuid, chat_id bigint, wa_id text, remote_jid text, from_me boolean,
            sender_jid text, sender_phone text, push_name text, ts bigint, type text, kind text, text text, status text, quoted_id text,
            forwarded boolean, source text, is_stub boolean, media jsonb, raw text, mentions jsonb, rich jsonb)
     ON CONFLICT (session_id, chat_id, wa_id) DO UPDATE SET
       type = excluded.type, kind = excluded.kind, text = excluded.text, quoted_id = excluded.quoted_id, forwarded = excluded.forwarded,
       media = excluded.media, raw = excluded.raw, mentions = excluded.mentions, rich = excluded.rich, is_stub = false, push_name = COALESCE(excluded.push_name, wa_messages.push_name),
       sender_phone = COALESCE(excluded.sender_phone, wa_messages.sender_phone), updated_at = now()
       WHERE wa_messages.is_stub AND NOT excluded.is_stub
     RETURNING id, chat_id, wa_id, ts, from_me, is_stub, source, (xmax = 0) AS inserted
   ), per_chat AS (
     SELECT DISTINCT ON (chat_id) chat_id, id AS row_id, ts,
            count(*) FILTER (WHERE source = 'live' AND NOT from_me AND NOT is_stub) OVER (PARTITION BY chat_id) AS unread
       FROM written ORDER BY chat_id, ts DESC, id DESC
   ), touched AS (
     UPDATE wa_chats c SET
       last_message_id = CASE WHEN p.ts >= c.last_message_at THEN p.row_id ELSE c.last_message_id END,
       last_message_at = GREATEST(c.last_message_at, p.ts), unread_count = c.unread_count + p.unread, updated_at = now()
       FROM per_chat p WHERE c.id = p.chat_id
   )
   SELECT id, chat_id, wa_id, inserted FROM written`);

/** A message to write: its session, the chat it belongs to, and whether it came live or from history. */
export interface MessageRow {
  sessionId: string;
  tenantId: string;
  source: 'live' | 'history';
  record: WaMessageRecord;
  chatId: string;
  chatJid: string;
}

/**
 * `rich` as stored: the kinds the message carries, `{}` for a message of a kind that may carry
 * some but does not (so that reads never decode its raw again), null for the other kinds.
 */
function richColumnOf(m: WaMessageRecord): unknown {
  if (m.rich) return encodePgJson(m.rich);
  return MAY_BE_RICH.has(m.type) ? {} : null;
}
export const MAY_BE_RICH = new Set(['extendedTextMessage', 'locationMessage', 'liveLocationMessage', 'contactMessage', 'contactsArrayMessage',
  'pollCreationMessage', 'pollCreationMessageV2', 'pollCreationMessageV3', 'eventMessage']);

/** A message's identity in a statement: chat ids are unique across sessions. */
const keyOf = (chatId: string, waId: string): string => `${chatId}|${waId}`;

/**
 * The rows in rounds where no message appears twice (one INSERT … ON CONFLICT cannot touch a row
 * twice): a stub and its real content written together go in two rounds, in their order.
 */
function rounds(rows: MessageRow[]): MessageRow[][] {
  const out: MessageRow[][] = [];
  const lastRound = new Map<string, number>();
  for (const row of rows) {
    const key = keyOf(row.chatId, row.record.id);
    const index = (lastRound.get(key) ?? -1) + 1;
    lastRound.set(key, index);
    (out[index] ??= []).push(row);
  }
  return out;
}

type WrittenRow = { id: string; chat_id: string; wa_id: string; inserted: boolean };

function write(manager: EntityManager, round: MessageRow[]): Promise<WrittenRow[]> {
  return UPSERT.run(manager, [
    JSON.stringify(
      round.map(({ sessionId, tenantId, source, record: m, chatId }) => ({
        session_id: sessionId, tenant_id: tenantId, chat_id: chatId, wa_id: m.id, remote_jid: m.remoteJid, from_me: m.fromMe,
        sender_jid: m.senderJid, sender_phone: m.senderPhone, push_name: enc(m.pushName), ts: m.timestamp, type: m.type, kind: m.kind,
        text: enc(m.text), status: m.status, quoted_id: m.quotedId, forwarded: m.forwarded, source, is_stub: m.isStub,
        media: m.media ? encodePgJson(m.media) : null, raw: m.raw.toString('base64'), mentions: m.mentions && m.mentions.length > 0 ? m.mentions : null, rich: richColumnOf(m),
      })),
    ),
  ]);
}

/** Runs `work` inside a savepoint of the caller's transaction: a failure undoes it alone. */
async function savepoint<T>(manager: EntityManager, work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  await manager.query('SAVEPOINT wa_messages_row');
  try {
    const value = await work();
    await manager.query('RELEASE SAVEPOINT wa_messages_row');
    return { ok: true, value };
  } catch (error) {
    await manager.query('ROLLBACK TO SAVEPOINT wa_messages_row');
    await manager.query('RELEASE SAVEPOINT wa_messages_row');
    return { ok: false, error };
  }
}

const errorCode = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

@Injectable()
export class MessageWriter {
  /** Optional: benches and integration specs build the writer without Nest. */
  constructor(@Optional() @Inject(ROOT_LOGGER) private readonly logger?: AppLogger) {}

  /**
   * Writes the rows (of one or many sessions) and answers, for each in order, the stored message,
   * or undefined for a repeat that changed nothing.
   */
  async upsert(manager: EntityManager, rows: MessageRow[]): Promise<Array<StoredMessage | undefined>> {
    const stored = new Map<MessageRow, StoredMessage>();
    for (const round of rounds(rows)) {
      const result = round.length > 1 && manager.queryRunner?.isTransactionActive ? await this.writeEachIfNeeded(manager, round) : await write(manager, round);
      // A round holds each message once.
      const byKey = new Map(round.map((row) => [keyOf(row.chatId, row.record.id), row]));
      for (const r of result) {
        const row = byKey.get(keyOf(String(r.chat_id), r.wa_id));
        if (row) stored.set(row, { record: row.record, chatId: row.chatId, chatJid: row.chatJid, rowId: String(r.id), inserted: r.inserted });
      }
    }
    return rows.map((row) => stored.get(row));
  }

  /**
   * The round in one statement; when that fails, each row alone, so that one row the database
   * refuses never sinks the others (it is logged, without its text, and left out).
   */
  private async writeEachIfNeeded(manager: EntityManager, round: MessageRow[]): Promise<WrittenRow[]> {
    const all = await savepoint(manager, () => write(manager, round));
    if (all.ok) return all.value;
    const out: WrittenRow[] = [];
    for (const row of round) {
      const one = await savepoint(manager, () => write(manager, [row]));
      if (one.ok) out.push(...one.value);
      else this.logger?.error({ sessionId: row.sessionId, tenantId: row.tenantId, messageId: row.record.id, code: errorCode(one.error) }, 'message not stored: the database refused it');
    }
    return out;
  }

  /** Applies status, edit and revoke changes; returns what actually changed. */
  async applyChanges(manager: EntityManager, sessionId: string, changes: Array<{ change: WaMessageChange; chatId: string; chatJid: string }>): Promise<AppliedChange[]> {
    const out: AppliedChange[] = [];
    for (const { change, chatId, chatJid } of changes) {
      const applied: AppliedChange['applied'] = {};
      let previousStatus: string | null | undefined;
      if (change.status) {
        // The row is locked before its status is read: of two writers racing, the second sees the
        // first's status, so each step is applied (and announced) once.
        const r: Array<{ previous: string | null }> = rowsOf(await manager.query(
          `WITH target AS (SELECT id, status FROM wa_messages WHERE session_id = $1 AND chat_id = $2 AND wa_id = $3 FOR UPDATE)
           UPDATE wa_messages m SET status = $4, status_at = $5, updated_at = now()
             FROM target WHERE m.id = target.id AND ${rank('target.status')} < ${rank('$4::text')} RETURNING target.status AS previous`,
          [sessionId, chatId, change.id, change.status, change.statusAt ?? null],
        ));
        applied.status = r.length > 0;
        previousStatus = r[0]?.previous ?? null;
      }
      if (change.edit) {
        const r: unknown[] = rowsOf(await manager.query(
          `UPDATE wa_messages SET edited_text = $4, edited_at = $5, updated_at = now()
            WHERE session_id = $1 AND chat_id = $2 AND wa_id = $3 AND edited_text IS DISTINCT FROM $4 AND deleted_at IS NULL RETURNING id`,
          [sessionId, chatId, change.id, enc(change.edit.text), change.edit.editedAt],
        ));
        applied.edit = r.length > 0;
      }
      if (change.revokedAt) {
        const r: unknown[] = rowsOf(await manager.query(
          `UPDATE wa_messages SET deleted_at = $4, updated_at = now() WHERE session_id = $1 AND chat_id = $2 AND wa_id = $3 AND deleted_at IS NULL RETURNING id`,
          [sessionId, chatId, change.id, change.revokedAt],
        ));
        applied.revoke = r.length > 0;
      }
      if (applied.status || applied.edit || applied.revoke) out.push({ change, chatJid, applied, previousStatus });
    }
    return out;
  }

  /** One actor's reaction: a new emoji replaces the old one, null removes it. True when something changed. */
  async react(manager: EntityManager, sessionId: string, chatId: string, targetId: string, actorJid: string, fromMe: boolean, emoji: string | null, at: number): Promise<boolean> {
    if (emoji === null) {
      const r: unknown[] = rowsOf(await manager.query('DELETE FROM wa_reactions WHERE session_id = $1 AND chat_id = $2 AND target_wa_id = $3 AND actor_jid = $4 RETURNING 1',
        [sessionId, chatId, targetId, actorJid],
      ));
      return r.length > 0;
    }
    const r: unknown[] = await manager.query(
      `INSERT INTO wa_reactions (session_id, chat_id, target_wa_id, actor_jid, emoji, from_me, reacted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (session_id, chat_id, target_wa_id, actor_jid) DO UPDATE SET emoji = excluded.emoji, reacted_at = excluded.reacted_at
         WHERE wa_reactions.emoji IS DISTINCT FROM excluded.emoji RETURNING 1`,
      [sessionId, chatId, targetId, actorJid, encodePgText(emoji), fromMe, at],
    );
    return r.length > 0;
  }

  /** Marks inbound messages read; returns those that were not yet, and the chat's unread count after. */
  async markRead(manager: EntityManager, sessionId: string, chatId: string, ids: string[], at: number): Promise<{ read: Array<{ waId: string; remoteJid: string }>; unreadCount: number }> {
    const rows: Array<{ wa_id: string; remote_jid: string }> = rowsOf(await manager.query(
      `UPDATE wa_messages SET status = 'read', status_at = $4 WHERE session_id = $1 AND chat_id = $2 AND wa_id = ANY($3::text[])
         AND NOT from_me AND status IS DISTINCT FROM 'read' RETURNING wa_id, remote_jid`,
      [sessionId, chatId, ids, at],
    ));
    const [chat]: Array<{ unread_count: number }> = rowsOf(await manager.query(
      `UPDATE wa_chats SET unread_count = GREATEST(0, unread_count - $2), updated_at = now() WHERE id = $1 RETURNING unread_count`,
      [chatId, rows.length],
    ));
    return { read: rows.map((r) => ({ waId: r.wa_id, remoteJid: r.remote_jid })), unreadCount: Number(chat?.unread_count ?? 0) };
  }

  async rawMessage(manager: EntityManager, sessionId: string, remoteJid: string, id: string): Promise<Buffer | undefined> {
    const rows: Array<{ raw: Buffer }> = await manager.query(
      `SELECT raw FROM wa_messages WHERE session_id = $1 AND wa_id = $2 AND raw IS NOT NULL AND NOT is_stub
        ORDER BY (remote_jid = $3) DESC LIMIT 1`,
      [sessionId, id, remoteJid],
    );
    return rows[0]?.raw;
  }

  async wipe(manager: EntityManager, sessionId: string): Promise<void> {
    for (const table of ['wa_reactions', 'wa_poll_votes', 'wa_messages', 'wa_chat_aliases', 'wa_chats', 'wa_history_syncs']) {
      await manager.query(`DELETE FROM ${table} WHERE session_id = $1`, [sessionId]);
    }
  }
}
