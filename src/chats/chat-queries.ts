/** Reads of chats and messages for the REST API: keyset pages, reactions aggregated by emoji. */
import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { decodePgJson, decodePgText } from '../common/postgres-text.js';
import { ChatIdentity, type ChatRef } from './chat-identity.js';
import type { ChatDto, MessageDto, MessageMediaDto, ReactionGroupDto } from './chats.dto.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { MediaJobs } from '../media/media-jobs.js';
import { MediaUrls } from '../media/media-urls.js';
import type { MediaEntity } from '../media/media.entity.js';
import type { WaRichContent } from '../whatsapp/conversation-types.js';
import { kindsOfRaw } from '../whatsapp/message-kinds.js';
import { kindFieldsOf } from './message-summaries.js';
import { MAY_BE_RICH } from './message-writer.js';
import { PollVotes, type PollResults } from './poll-votes.js';

const JID = /^(\d{5,20}(:\d+)?@s\.whatsapp\.net|\d{5,20}(:\d+)?@lid|[\d-]{5,40}@g\.us)$/;
const DIGITS = /^\+?\d{6,15}$/;

/** `:jid` as digits, a PN jid, a LID jid or a group jid → the jid; anything else is a 400. */
export function parseJid(input: string): string {
  const v = input.trim();
  if (DIGITS.test(v)) return `${v.replace('+', '')}@s.whatsapp.net`;
  if (JID.test(v)) return v.replace(/:\d+@/, '@');
  throw new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', 'The chat must be a phone number (digits) or a WhatsApp jid', [{ field: 'jid', errors: ['invalid jid'] }]);
}

export interface MessageRow {
  id: string;
  chat_id: string;
  wa_id: string;
  remote_jid: string;
  from_me: boolean;
  sender_jid: string | null;
  sender_phone: string | null;
  push_name: string | null;
  ts: string;
  type: string;
  text: string | null;
  edited_text: string | null;
  status: string | null;
  quoted_id: string | null;
  forwarded: boolean;
  edited_at: string | null;
  deleted_at: string | null;
  media: Record<string, unknown> | null;
  raw: Buffer | null;
  mentions: string[] | null;
  rich: Record<string, unknown> | null;
}

/** What a listed message needs: never `raw` (the proto, up to tens of KB with a thumbnail). */
export type MessageListRow = Omit<MessageRow, 'chat_id' | 'raw'> & { kinds_raw?: Buffer | null };
/** `kinds_raw`: the raw message of a row stored before `rich` existed whose type may carry a kind (decoded when read). */
const LIST_COLUMNS = `id, wa_id, remote_jid, from_me, sender_jid, sender_phone, push_name, ts, type, text, edited_text, status, quoted_id, forwarded, edited_at, deleted_at, media, mentions, rich,
    CASE WHEN rich IS NULL AND type IN (${[...MAY_BE_RICH].map((t) => `'${t}'`).join(', ')}) THEN raw END AS kinds_raw`;
/**
 * A page of a chat's messages, newest first, with their reactions grouped by emoji, in one
 * statement: a backward range scan of `wa_messages_chat_ts_idx` (chat_id, ts, id) that stops after
 * `limit` rows whatever the depth of the cursor, then one primary-key probe of `wa_reactions` per
 * row. Parameters: chat id, session id, limit, and for the next pages the cursor's (ts, id).
 */
const pageSql = (range: string): string => `SELECT p.*, r.reactions FROM (
    SELECT ${LIST_COLUMNS} FROM wa_messages WHERE chat_id = $1${range} ORDER BY ts DESC, id DESC LIMIT $3
  ) p LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('emoji', g.emoji, 'actors', g.actors) ORDER BY g.first, g.emoji) AS reactions
      FROM (SELECT emoji, array_agg(actor_jid ORDER BY reacted_at, actor_jid) AS actors, min(reacted_at) AS first
              FROM wa_reactions WHERE session_id = $2 AND chat_id = $1 AND target_wa_id = p.wa_id GROUP BY emoji) g
  ) r ON true
  ORDER BY p.ts DESC, p.id DESC`;
export const MESSAGE_PAGE_FIRST_SQL = pageSql('');
export const MESSAGE_PAGE_AFTER_SQL = pageSql(' AND (ts, id) < ($4::bigint, $5::bigint)');

const dec = (v: string | null): string | null => (typeof v === 'string' ? decodePgText(v) : null);
const n = (v: string | null): number | null => (v === null ? null : Number(v));

type ChatRow = Record<string, unknown>;

/** A chat as GET /chats shows it: named by its group's subject when it is a group, with its last message. */
const CHAT_SELECT = `SELECT c.id, c.jid, c.pn_jid, c.lid_jid, COALESCE(g.subject, c.name) AS name, c.unread_count, c.last_message_at, c.archived, c.pinned, c.muted_until,
              m.wa_id AS m_id, m.from_me AS m_from_me, m.ts AS m_ts, m.type AS m_type, COALESCE(m.edited_text, m.text) AS m_text, m.status AS m_status, m.deleted_at AS m_deleted
         FROM wa_chats c LEFT JOIN wa_messages m ON m.id = c.last_message_id
         LEFT JOIN wa_groups g ON g.session_id = c.session_id AND g.jid = c.jid`;

function mapChat(r: ChatRow): ChatDto {
  return {
    jid: r.jid as string, pnJid: r.pn_jid as string | null, lidJid: r.lid_jid as string | null, name: dec(r.name as string | null), isGroup: (r.jid as string).endsWith('@g.us'),
    unreadCount: Number(r.unread_count), lastMessageAt: Number(r.last_message_at) || null,
    archived: Boolean(r.archived), pinned: Boolean(r.pinned), mutedUntil: n(r.muted_until as string | null),
    lastMessage: r.m_id
      ? { id: r.m_id as string, fromMe: Boolean(r.m_from_me), timestamp: Number(r.m_ts), type: r.m_type as string, text: r.m_deleted ? null : dec(r.m_text as string | null), status: r.m_status as string | null }
      : null,
  };
}

@Injectable()
export class ChatQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: ChatIdentity,
    private readonly mediaJobs: MediaJobs,
    private readonly mediaUrls: MediaUrls,
    private readonly pollVotes: PollVotes,
  ) {}

  async chatOf(sessionId: string, jidParam: string): Promise<ChatRef> {
    const chat = await this.identity.find(this.dataSource.manager, sessionId, parseJid(jidParam));
    if (!chat) throw AppError.notFound('No such chat in this session');
    return chat;
  }

  async findChat(sessionId: string, jid: string): Promise<ChatRef | undefined> {
    return this.identity.find(this.dataSource.manager, sessionId, jid);
  }

  async listChats(sessionId: string, limit: number, cursor?: string): Promise<{ data: ChatDto[]; nextCursor: string | null }> {
    const after = decodeCursor(cursor, ['n', 's']);
    const rows: ChatRow[] = await this.dataSource.query(
      `${CHAT_SELECT}
        WHERE c.session_id = $1 AND ($2::bigint IS NULL OR (c.last_message_at, c.id) < ($2::bigint, $3::bigint))
        ORDER BY c.last_message_at DESC, c.id DESC LIMIT $4`,
      [sessionId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(mapChat),
      nextCursor: rows.length > limit && last ? encodeCursor([Number(last.last_message_at), String(last.id)]) : null,
    };
  }

  /** One chat (by its row id) as GET /chats lists it. */
  async chatDto(sessionId: string, chatId: string): Promise<ChatDto> {
    const rows: ChatRow[] = await this.dataSource.query(`${CHAT_SELECT} WHERE c.session_id = $1 AND c.id = $2`, [sessionId, chatId]);
    if (!rows[0]) throw AppError.notFound('No such chat in this session');
    return mapChat(rows[0]);
  }

  async listMessages(sessionId: string, chat: ChatRef, limit: number, cursor?: string): Promise<{ data: MessageDto[]; nextCursor: string | null }> {
    const before = decodeCursor(cursor, ['n', 's']);
    if (before && !/^\d{1,19}$/.test(String(before[1]))) throw new AppError(HttpStatus.BAD_REQUEST, 'INVALID_CURSOR', 'The cursor is not one this API issued');
    const rows: Array<MessageListRow & { reactions: Array<{ emoji: string; actors: string[] }> | null }> = before
      ? await this.dataSource.query(MESSAGE_PAGE_AFTER_SQL, [chat.id, sessionId, limit + 1, before[0], before[1]])
      : await this.dataSource.query(MESSAGE_PAGE_FIRST_SQL, [chat.id, sessionId, limit + 1]);
    const page = rows.slice(0, limit);
    const media = await this.storedMediaOf(sessionId, page);
    const polls = await this.pollsOf(sessionId, chat, page);
    const last = page.at(-1);
    return {
      data: page.map((r) =>
        mapMessage(r, chat.jid, (r.reactions ?? []).map((g) => ({ emoji: decodePgText(g.emoji), count: g.actors.length, actors: g.actors })), media.get(`${r.remote_jid}|${r.wa_id}`), polls),
      ),
      nextCursor: rows.length > limit && last ? encodeCursor([Number(last.ts), String(last.id)]) : null,
    };
  }

  /** A stored message of the chat (404 when absent). */
  async messageOf(sessionId: string, chat: ChatRef, messageId: string): Promise<MessageRow> {
    const row = await this.findMessage(sessionId, chat.id, messageId);
    if (!row) throw AppError.notFound('No such message in this chat');
    return row;
  }

  async findMessage(sessionId: string, chatId: string | null, messageId: string): Promise<MessageRow | undefined> {
    const rows: MessageRow[] = await this.dataSource.query(
      `SELECT * FROM wa_messages WHERE session_id = $1 AND wa_id = $2 AND ($3::bigint IS NULL OR chat_id = $3) AND NOT is_stub LIMIT 1`,
      [sessionId, messageId, chatId],
    );
    return rows[0];
  }

  /** A message by its key (the media download's source): its raw WebMessageInfo and its chat's jid. */
  async rawByKey(sessionId: string, remoteJid: string, messageId: string): Promise<{ raw: Buffer; chatJid: string } | undefined> {
    const rows: Array<{ raw: Buffer; jid: string }> = await this.dataSource.query(
      `SELECT m.raw, c.jid FROM wa_messages m JOIN wa_chats c ON c.id = m.chat_id
        WHERE m.session_id = $1 AND m.wa_id = $2 AND m.remote_jid = $3 AND m.raw IS NOT NULL AND NOT m.is_stub LIMIT 1`,
      [sessionId, messageId, remoteJid],
    );
    return rows[0] ? { raw: rows[0].raw, chatJid: rows[0].jid } : undefined;
  }

  async messageDto(sessionId: string, chat: ChatRef, messageId: string): Promise<MessageDto> {
    const row = await this.messageOf(sessionId, chat, messageId);
    const reactions = await this.reactionsOf(sessionId, chat.id, [row.wa_id]);
    const media = await this.storedMediaOf(sessionId, [row]);
    const listed = { ...row, kinds_raw: row.rich === null ? row.raw : null };
    return mapMessage(listed, chat.jid, reactions.get(row.wa_id) ?? [], media.get(`${row.remote_jid}|${row.wa_id}`), await this.pollsOf(sessionId, chat, [listed]));
  }

  /** The results of the polls among the rows. */
  private async pollsOf(sessionId: string, chat: ChatRef, rows: MessageListRow[]): Promise<Map<string, PollResults>> {
    const polls = rows.flatMap((r) => {
      const poll = kindsOfRow(r).rich?.poll;
      return poll && r.deleted_at === null ? [{ waId: r.wa_id, poll }] : [];
    });
    return this.pollVotes.resultsOf(this.dataSource.manager, sessionId, chat.id, polls);
  }

  /** The media objects of messages that carry media, each with a URL minted now (never stored). */
  private async storedMediaOf(sessionId: string, rows: Array<Pick<MessageRow, 'media' | 'remote_jid' | 'wa_id'>>): Promise<Map<string, StoredMedia>> {
    const found = await this.mediaJobs.forMessages(sessionId, rows.filter((r) => r.media).map((r) => ({ remoteJid: r.remote_jid, messageId: r.wa_id })));
    const out = new Map<string, StoredMedia>();
    for (const [key, row] of found) out.set(key, { row, url: await this.mediaUrls.urlFor(row) });
    return out;
  }

  private async reactionsOf(sessionId: string, chatId: string, ids: string[]): Promise<Map<string, ReactionGroupDto[]>> {
    const out = new Map<string, ReactionGroupDto[]>();
    if (ids.length === 0) return out;
    const rows: Array<{ target_wa_id: string; emoji: string; actors: string[] }> = await this.dataSource.query(
      `SELECT target_wa_id, emoji, array_agg(actor_jid ORDER BY reacted_at, actor_jid) AS actors
         FROM wa_reactions WHERE session_id = $1 AND chat_id = $2 AND target_wa_id = ANY($3::text[])
        GROUP BY target_wa_id, emoji ORDER BY min(reacted_at)`,
      [sessionId, chatId, ids],
    );
    for (const r of rows) {
      const list = out.get(r.target_wa_id) ?? [];
      list.push({ emoji: decodePgText(r.emoji), count: r.actors.length, actors: r.actors });
      out.set(r.target_wa_id, list);
    }
    return out;
  }
}

/** A message's media object with the URL minted for this read. */
export interface StoredMedia {
  row: MediaEntity;
  url: string | null;
}

/** The kinds and mentions a row carries: its columns, or its raw message decoded (rows stored before the columns). */
function kindsOfRow(r: MessageListRow): { rich: WaRichContent | null; mentions: string[] } {
  if (r.rich) return { rich: Object.keys(r.rich).length > 0 ? (decodePgJson(r.rich) as WaRichContent) : null, mentions: r.mentions ?? [] };
  return r.kinds_raw ? kindsOfRaw(r.kinds_raw) : { rich: null, mentions: r.mentions ?? [] };
}

export function mapMessage(r: MessageListRow, chatJid: string, reactions: ReactionGroupDto[], stored?: StoredMedia, polls?: Map<string, PollResults>): MessageDto {
  const deleted = r.deleted_at !== null;
  const carried = deleted ? null : kindsOfRow(r);
  const kinds = kindFieldsOf(carried?.rich);
  return {
    ...kinds,
    poll: kinds.poll ? (polls?.get(r.wa_id) ?? kinds.poll) : null,
    id: r.wa_id, chatJid, fromMe: r.from_me, senderJid: r.sender_jid, senderPhone: r.sender_phone, pushName: dec(r.push_name),
    timestamp: Number(r.ts), type: r.type, text: deleted ? null : dec(r.edited_text ?? r.text), status: r.status,
    quotedMessageId: r.quoted_id, forwarded: r.forwarded, editedAt: n(r.edited_at), deletedAt: n(r.deleted_at), reactions,
    media: r.media && !deleted ? mediaOf(decodePgJson(r.media), stored) : null,
    mentions: carried?.mentions ?? [],
  };
}

/** What the message announced, completed by the stored object when there is one. */
function mediaOf(m: Record<string, unknown>, stored: StoredMedia | undefined): MessageMediaDto {
  const row = stored?.row;
  const announcedSha = typeof m.sha256 === 'string' ? Buffer.from(m.sha256, 'base64').toString('hex') : null;
  return {
    kind: String(m.kind), url: stored?.url ?? null, mime: row?.mime ?? (m.mime as string) ?? null,
    size: row?.size !== undefined && row.size !== null ? Number(row.size) : ((m.size as number) ?? null), width: row?.width ?? (m.width as number) ?? null,
    height: row?.height ?? (m.height as number) ?? null, duration: row?.durationSeconds ?? (m.duration as number) ?? null,
    fileName: row?.fileName ?? (m.fileName as string) ?? null, sha256: row?.sha256 ?? announcedSha, mediaId: row?.id ?? null, state: row?.state ?? 'not_downloaded',
  };
}
