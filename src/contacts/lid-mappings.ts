/**
 * LID ↔ phone-number mappings of a session (history, `lid-mapping.update`, message keys). Chats
 * and contacts ask here which addresses belong together; nobody else reads the table.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface LidPn {
  lid: string;
  pn: string;
}

/** `123:4@lid` → `123@lid`; device suffixes never reach the store. */
export const bareJid = (jid: string): string => jid.replace(/:\d+@/, '@');

/** Past this many pairs a session's memory of stored pairs starts over (it is only a shortcut). */
const KNOWN_PAIRS_PER_SESSION = 20_000;

@Injectable()
export class LidMappings {
  /**
   * The pairs this node stored or read per session (lid → pn): Baileys repeats a contact's mapping
   * with every message it receives, and a repeat must not cost a write. Only the session's owner
   * writes its mappings; a session that starts on this node begins with none (`forget`).
   */
  private readonly known = new Map<string, Map<string, string>>();
  /** Bumped per session whenever a pair is new or changed: what was resolved from the old pairs is stale. */
  private readonly changes = new Map<string, number>();

  /** How many times the session's pairs changed on this node (see ChatIdentity's cache). */
  generation(sessionId: string): number {
    return this.changes.get(sessionId) ?? 0;
  }

  /** Drops what this node remembers of the session (it starts here, was wiped, or a write failed). */
  forget(sessionId: string): void {
    this.known.delete(sessionId);
    this.changes.set(sessionId, this.generation(sessionId) + 1);
  }

  /** Whether every valid pair is already stored as it is (nothing to write). */
  allKnown(sessionId: string, pairs: LidPn[]): boolean {
    return this.unknownOf(sessionId, cleanPairs(pairs)).length === 0;
  }

  async store(manager: EntityManager, sessionId: string, pairs: LidPn[]): Promise<LidPn[]> {
    const clean = this.unknownOf(sessionId, cleanPairs(pairs));
    if (clean.length === 0) return [];
    const rows: LidPn[] = await manager.query(
      `INSERT INTO wa_lid_mappings (session_id, lid, pn)
       SELECT $1, x.lid, x.pn FROM jsonb_to_recordset($2::jsonb) AS x(lid text, pn text)
       ON CONFLICT (session_id, lid) DO UPDATE SET pn = excluded.pn, updated_at = now()
         WHERE wa_lid_mappings.pn IS DISTINCT FROM excluded.pn
       RETURNING lid, pn`,
      [sessionId, JSON.stringify(clean)],
    );
    if (rows.length > 0) this.changes.set(sessionId, this.generation(sessionId) + 1);
    this.remember(sessionId, clean);
    return rows;
  }

  /** The other address of each jid that has one (PN for a LID, LID for a PN). */
  async counterparts(manager: EntityManager, sessionId: string, jids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (jids.length === 0) return out;
    const rows: LidPn[] = await manager.query(
      `SELECT lid, pn FROM wa_lid_mappings WHERE session_id = $1 AND (lid = ANY($2::text[]) OR pn = ANY($2::text[]))`,
      [sessionId, jids],
    );
    for (const r of rows) {
      out.set(r.lid, r.pn);
      out.set(r.pn, r.lid);
    }
    return out;
  }

  async wipe(manager: EntityManager, sessionId: string): Promise<void> {
    this.forget(sessionId);
    await manager.query('DELETE FROM wa_lid_mappings WHERE session_id = $1', [sessionId]);
  }

  private unknownOf(sessionId: string, pairs: LidPn[]): LidPn[] {
    const known = this.known.get(sessionId);
    return known ? pairs.filter((p) => known.get(p.lid) !== p.pn) : pairs;
  }

  private remember(sessionId: string, pairs: LidPn[]): void {
    let known = this.known.get(sessionId);
    if (!known || known.size + pairs.length > KNOWN_PAIRS_PER_SESSION) this.known.set(sessionId, (known = new Map()));
    for (const p of pairs) known.set(p.lid, p.pn);
  }
}

function cleanPairs(pairs: LidPn[]): LidPn[] {
  return dedupe(pairs.filter((p) => p.lid?.endsWith('@lid') && p.pn?.endsWith('@s.whatsapp.net')).map((p) => ({ lid: bareJid(p.lid), pn: bareJid(p.pn) })));
}

function dedupe(pairs: LidPn[]): LidPn[] {
  const byLid = new Map<string, LidPn>();
  for (const p of pairs) byLid.set(p.lid, p);
  return [...byLid.values()];
}
