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

@Injectable()
export class LidMappings {
  async store(manager: EntityManager, sessionId: string, pairs: LidPn[]): Promise<LidPn[]> {
    const clean = dedupe(pairs.filter((p) => p.lid?.endsWith('@lid') && p.pn?.endsWith('@s.whatsapp.net')).map((p) => ({ lid: bareJid(p.lid), pn: bareJid(p.pn) })));
    if (clean.length === 0) return [];
    const rows: LidPn[] = await manager.query(
      `INSERT INTO wa_lid_mappings (session_id, lid, pn)
       SELECT $1, x.lid, x.pn FROM jsonb_to_recordset($2::jsonb) AS x(lid text, pn text)
       ON CONFLICT (session_id, lid) DO UPDATE SET pn = excluded.pn, updated_at = now()
         WHERE wa_lid_mappings.pn IS DISTINCT FROM excluded.pn
       RETURNING lid, pn`,
      [sessionId, JSON.stringify(clean)],
    );
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
    await manager.query('DELETE FROM wa_lid_mappings WHERE session_id = $1', [sessionId]);
  }
}

function dedupe(pairs: LidPn[]): LidPn[] {
  const byLid = new Map<string, LidPn>();
  for (const p of pairs) byLid.set(p.lid, p);
  return [...byLid.values()];
}
