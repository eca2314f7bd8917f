/**
 * One canonical chat per conversation, decided at write time: a message addressed by LID lands in
 * the chat of the same contact's phone number (and the reverse). When a mapping arrives after
 * both chats exist, the LID chat is merged into the PN chat (messages, reactions, aliases).
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { rowsOf } from '../common/sql-rows.js';
import { bareJid, LidMappings } from '../contacts/lid-mappings.js';
import { isLidJid } from '../whatsapp/jid.js';

export interface Address {
  jid: string;
  alt?: string | null;
}

export interface ChatRef {
  id: string;
  jid: string;
}

const isPn = (jid: string): boolean => jid.endsWith('@s.whatsapp.net');

interface AliasedChat {
  id: string;
  jid: string;
  pn_jid: string | null;
  lid_jid: string | null;
}

/**
 * The chat of an address when nothing about it needs writing: every address it is known by
 * already points at one chat that records them. Otherwise undefined (the writing path decides).
 */
function settled(existing: Map<string, AliasedChat>, jid: string, pn: string | null, lid: string | null): ChatRef | undefined {
  if (!pn && !lid) {
    const chat = existing.get(jid);
    return chat ? { id: chat.id, jid } : undefined;
  }
  const byPn = pn ? existing.get(pn) : undefined;
  const byLid = lid ? existing.get(lid) : undefined;
  const chat = byPn ?? byLid;
  if (!chat || (pn && !byPn) || (lid && !byLid) || (byPn && byLid && byPn.id !== byLid.id)) return undefined;
  if ((pn && chat.pn_jid !== pn) || (lid && chat.lid_jid !== lid)) return undefined;
  return { id: chat.id, jid: chat.jid };
}

/** Past this many addresses a session's cache starts over. */
const CACHED_ADDRESSES_PER_SESSION = 20_000;

const cacheKey = (a: Address): string => `${bareJid(a.jid)}|${a.alt ? bareJid(a.alt) : ''}`;

@Injectable()
export class ChatIdentity {
  /**
   * What `resolve` answered per session and address, while nothing that decides it changed: a live
   * message then costs no lookup. A new or changed LID mapping (LidMappings' generation) and a
   * merge here make it stale; a session starting on this node, a wipe or a failed write drop it.
   */
  private readonly cache = new Map<string, { generation: string; refs: Map<string, ChatRef> }>();
  private readonly rewrites = new Map<string, number>();

  constructor(private readonly mappings: LidMappings) {}

  /** Drops what this node remembers of the session's chats and mappings. */
  forget(sessionId: string): void {
    this.cache.delete(sessionId);
    this.mappings.forget(sessionId);
  }

  /** The chat of every address (created when new), keyed by the address's jid. */
  async resolve(manager: EntityManager, sessionId: string, tenantId: string, addresses: Address[]): Promise<Map<string, ChatRef>> {
    const hit = this.cached(sessionId, addresses);
    if (hit) return hit;
    const generation = this.generation(sessionId);
    const out = await this.lookUp(manager, sessionId, tenantId, addresses);
    if (this.generation(sessionId) === generation) this.remember(sessionId, generation, addresses, out);
    return out;
  }

  private generation(sessionId: string): string {
    return `${this.mappings.generation(sessionId)}:${this.rewrites.get(sessionId) ?? 0}`;
  }

  /** A chat of the session was merged or took a new address: cached answers may name it wrongly. */
  private changed(sessionId: string): void {
    this.rewrites.set(sessionId, (this.rewrites.get(sessionId) ?? 0) + 1);
  }

  private cached(sessionId: string, addresses: Address[]): Map<string, ChatRef> | undefined {
    const entry = this.cache.get(sessionId);
    if (!entry || entry.generation !== this.generation(sessionId)) return undefined;
    const out = new Map<string, ChatRef>();
    for (const a of addresses) {
      const ref = entry.refs.get(cacheKey(a));
      if (!ref) return undefined;
      out.set(a.jid, ref);
    }
    return out;
  }

  private remember(sessionId: string, generation: string, addresses: Address[], refs: Map<string, ChatRef>): void {
    let entry = this.cache.get(sessionId);
    if (!entry || entry.generation !== generation || entry.refs.size + addresses.length > CACHED_ADDRESSES_PER_SESSION) {
      this.cache.set(sessionId, (entry = { generation, refs: new Map() }));
    }
    for (const a of addresses) entry.refs.set(cacheKey(a), refs.get(a.jid)!);
  }

  private async lookUp(manager: EntityManager, sessionId: string, tenantId: string, addresses: Address[]): Promise<Map<string, ChatRef>> {
    const out = new Map<string, ChatRef>();
    const distinct = new Map<string, string | null>();
    for (const a of addresses) {
      const jid = bareJid(a.jid);
      if (!distinct.has(jid) || (!distinct.get(jid) && a.alt)) distinct.set(jid, a.alt ? bareJid(a.alt) : null);
    }
    const pairs = [...distinct].filter(([j, alt]) => alt && isLidJid(j) !== isLidJid(alt)).map(([j, alt]) => (isLidJid(j) ? { lid: j, pn: alt! } : { lid: alt!, pn: j }));
    if (pairs.length > 0) await this.mappings.store(manager, sessionId, pairs);
    const known = await this.mappings.counterparts(manager, sessionId, [...distinct.keys()]);
    const wanted = [...distinct].map(([jid, alt]) => {
      const other = alt ?? known.get(jid) ?? null;
      const pn = isPn(jid) ? jid : other && isPn(other) ? other : null;
      const lid = isLidJid(jid) ? jid : other && isLidJid(other) ? other : null;
      return { jid, pn, lid };
    });
    // One lookup for every address; only a new chat or a new alias costs more queries.
    const existing = await this.chatsByAlias(manager, sessionId, wanted.flatMap((w) => [w.jid, w.pn, w.lid].filter((j): j is string => Boolean(j))));
    for (const { jid, pn, lid } of wanted) {
      const chat = settled(existing, jid, pn, lid)
        ?? (pn || lid ? await this.ensurePair(manager, sessionId, tenantId, pn, lid) : await this.ensureSingle(manager, sessionId, tenantId, jid));
      out.set(jid, chat);
    }
    for (const a of addresses) if (!out.has(a.jid)) out.set(a.jid, out.get(bareJid(a.jid))!);
    return out;
  }

  /** Applies new LID↔PN mappings to existing chats (merging two chats into one when needed). */
  async applyMappings(manager: EntityManager, sessionId: string, tenantId: string, pairs: Array<{ lid: string; pn: string }>): Promise<void> {
    for (const p of pairs) {
      const existing = await this.aliasChats(manager, sessionId, [bareJid(p.lid), bareJid(p.pn)]);
      if (existing.size > 0) await this.ensurePair(manager, sessionId, tenantId, bareJid(p.pn), bareJid(p.lid));
    }
  }

  /** The chat known by `jid` (any alias), or undefined. */
  async find(manager: EntityManager, sessionId: string, jid: string): Promise<ChatRef | undefined> {
    const rows: Array<{ id: string; jid: string }> = await manager.query(
      `SELECT c.id, c.jid FROM wa_chat_aliases a JOIN wa_chats c ON c.id = a.chat_id WHERE a.session_id = $1 AND a.jid = $2`,
      [sessionId, bareJid(jid)],
    );
    return rows[0];
  }

  private async chatsByAlias(manager: EntityManager, sessionId: string, jids: string[]): Promise<Map<string, AliasedChat>> {
    const rows: Array<AliasedChat & { alias: string }> = await manager.query(
      `SELECT a.jid AS alias, c.id, c.jid, c.pn_jid, c.lid_jid FROM wa_chat_aliases a JOIN wa_chats c ON c.id = a.chat_id
        WHERE a.session_id = $1 AND a.jid = ANY($2::text[])`,
      [sessionId, [...new Set(jids)]],
    );
    return new Map(rows.map((r) => [r.alias, { id: String(r.id), jid: r.jid, pn_jid: r.pn_jid, lid_jid: r.lid_jid }]));
  }

  private async aliasChats(manager: EntityManager, sessionId: string, jids: string[]): Promise<Map<string, string>> {
    const rows: Array<{ jid: string; chat_id: string }> = await manager.query(
      `SELECT jid, chat_id FROM wa_chat_aliases WHERE session_id = $1 AND jid = ANY($2::text[])`,
      [sessionId, jids],
    );
    return new Map(rows.map((r) => [r.jid, String(r.chat_id)]));
  }

  private async ensureSingle(manager: EntityManager, sessionId: string, tenantId: string, jid: string): Promise<ChatRef> {
    const found = await this.aliasChats(manager, sessionId, [jid]);
    const id = found.get(jid);
    if (id) return { id, jid };
    const created = await this.create(manager, sessionId, tenantId, jid, null, null);
    await this.addAliases(manager, sessionId, created.id, [jid]);
    return created;
  }

  private async ensurePair(manager: EntityManager, sessionId: string, tenantId: string, pn: string | null, lid: string | null): Promise<ChatRef> {
    const jids = [pn, lid].filter((j): j is string => Boolean(j));
    const found = await this.aliasChats(manager, sessionId, jids);
    const pnChat = pn ? found.get(pn) : undefined;
    const lidChat = lid ? found.get(lid) : undefined;
    let id = pnChat ?? lidChat;
    if (!id) {
      const created = await this.create(manager, sessionId, tenantId, pn ?? lid!, pn, lid);
      id = created.id;
    } else if (pnChat && lidChat && pnChat !== lidChat) {
      await this.merge(manager, sessionId, lidChat, pnChat);
    }
    await this.addAliases(manager, sessionId, id, jids);
    const rows: Array<{ jid: string }> = rowsOf(await manager.query(
      `UPDATE wa_chats SET jid = COALESCE($2, jid), pn_jid = COALESCE($2, pn_jid), lid_jid = COALESCE($3, lid_jid), updated_at = now()
        WHERE id = $1 AND (pn_jid IS DISTINCT FROM COALESCE($2, pn_jid) OR lid_jid IS DISTINCT FROM COALESCE($3, lid_jid))
        RETURNING jid`,
      [id, pn, lid],
    ));
    if (rows[0]) {
      this.changed(sessionId);
      return { id, jid: rows[0].jid };
    }
    const [row]: Array<{ jid: string }> = await manager.query('SELECT jid FROM wa_chats WHERE id = $1', [id]);
    return { id, jid: row!.jid };
  }

  private async create(manager: EntityManager, sessionId: string, tenantId: string, jid: string, pn: string | null, lid: string | null): Promise<ChatRef> {
    const [row]: Array<{ id: string; jid: string }> = await manager.query(
      `INSERT INTO wa_chats (session_id, tenant_id, jid, pn_jid, lid_jid) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (session_id, jid) DO UPDATE SET updated_at = now() RETURNING id, jid`,
      [sessionId, tenantId, jid, pn, lid],
    );
    return { id: String(row!.id), jid: row!.jid };
  }

  private async addAliases(manager: EntityManager, sessionId: string, chatId: string, jids: string[]): Promise<void> {
    await manager.query(
      `INSERT INTO wa_chat_aliases (session_id, jid, chat_id) SELECT $1, j, $2 FROM unnest($3::text[]) AS j
       ON CONFLICT (session_id, jid) DO UPDATE SET chat_id = excluded.chat_id`,
      [sessionId, chatId, jids],
    );
  }

  /** Moves everything of `from` into `into` (a repeat of a message already there is dropped) and deletes `from`. */
  private async merge(manager: EntityManager, sessionId: string, from: string, into: string): Promise<void> {
    this.changed(sessionId);
    await manager.query(
      `UPDATE wa_messages m SET chat_id = $2 WHERE m.chat_id = $1
         AND NOT EXISTS (SELECT 1 FROM wa_messages t WHERE t.chat_id = $2 AND t.session_id = m.session_id AND t.wa_id = m.wa_id)`,
      [from, into],
    );
    await manager.query('DELETE FROM wa_messages WHERE chat_id = $1', [from]);
    await manager.query(
      `UPDATE wa_reactions r SET chat_id = $2 WHERE r.chat_id = $1
         AND NOT EXISTS (SELECT 1 FROM wa_reactions t WHERE t.chat_id = $2 AND t.session_id = r.session_id AND t.target_wa_id = r.target_wa_id AND t.actor_jid = r.actor_jid)`,
      [from, into],
    );
    await manager.query('DELETE FROM wa_reactions WHERE chat_id = $1', [from]);
    await manager.query(
      `UPDATE wa_poll_votes v SET chat_id = $2 WHERE v.chat_id = $1
         AND NOT EXISTS (SELECT 1 FROM wa_poll_votes t WHERE t.chat_id = $2 AND t.session_id = v.session_id AND t.poll_wa_id = v.poll_wa_id AND t.voter_jid = v.voter_jid)`,
      [from, into],
    );
    await manager.query('DELETE FROM wa_poll_votes WHERE chat_id = $1', [from]);
    await manager.query('UPDATE wa_chat_aliases SET chat_id = $2 WHERE chat_id = $1', [from, into]);
    await manager.query(
      `UPDATE wa_chats c SET unread_count = c.unread_count + f.unread_count, name = COALESCE(c.name, f.name),
              last_message_id = (SELECT id FROM wa_messages m WHERE m.chat_id = c.id ORDER BY ts DESC, id DESC LIMIT 1),
              last_message_at = GREATEST(c.last_message_at, f.last_message_at), updated_at = now()
         FROM wa_chats f WHERE c.id = $2 AND f.id = $1`,
      [from, into],
    );
    await manager.query('DELETE FROM wa_chats WHERE id = $1', [from]);
  }
}
