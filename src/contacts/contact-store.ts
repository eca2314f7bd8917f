/** Contacts of a session, one row per person (PN and LID merged), names merged as they arrive. */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { decodePgText, encodePgText } from '../common/postgres-text.js';
import type { ContactSummary } from '../events/event-map.js';
import type { WaContact } from '../whatsapp/conversation-types.js';
import { bareJid, LidMappings } from './lid-mappings.js';

export interface ContactRow {
  jid: string;
  pn_jid: string | null;
  lid_jid: string | null;
  name: string | null;
  notify: string | null;
  img_url: string | null;
}

const enc = (v: string | null | undefined): string | null => (typeof v === 'string' ? encodePgText(v) : null);
const dec = (v: string | null): string | null => (typeof v === 'string' ? decodePgText(v) : null);

@Injectable()
export class ContactStore {
  constructor(private readonly mappings: LidMappings) {}

  /** Upserts contacts (a null name never erases a known one); returns the rows as stored. */
  async upsert(manager: EntityManager, sessionId: string, tenantId: string, contacts: WaContact[]): Promise<ContactSummary[]> {
    if (contacts.length === 0) return [];
    const pairs = contacts.filter((c) => c.lid && c.phoneNumber).map((c) => ({ lid: c.lid!, pn: c.phoneNumber! }));
    await this.mappings.store(manager, sessionId, pairs);
    const known = await this.mappings.counterparts(manager, sessionId, contacts.flatMap((c) => [c.id, c.lid, c.phoneNumber].filter((j): j is string => Boolean(j)).map(bareJid)));
    const byJid = new Map<string, Record<string, string | null>>();
    for (const c of contacts) {
      const id = bareJid(c.id);
      const lid = c.lid ? bareJid(c.lid) : id.endsWith('@lid') ? id : (known.get(id) ?? null);
      const pn = c.phoneNumber ? bareJid(c.phoneNumber) : id.endsWith('@s.whatsapp.net') ? id : lid ? (known.get(lid) ?? null) : null;
      const jid = pn ?? lid ?? id;
      const prev = byJid.get(jid);
      byJid.set(jid, {
        jid, pn_jid: pn, lid_jid: lid,
        name: enc(c.name) ?? prev?.name ?? null, notify: enc(c.notify) ?? prev?.notify ?? null,
        verified_name: enc(c.verifiedName) ?? prev?.verified_name ?? null, img_url: c.imgUrl ?? prev?.img_url ?? null,
      });
    }
    // A contact first seen by LID becomes the PN row once the mapping is known.
    const merged = [...byJid.values()].filter((r) => r.pn_jid && r.lid_jid).map((r) => ({ lid: r.lid_jid, pn: r.pn_jid }));
    if (merged.length > 0) {
      await manager.query(
        `DELETE FROM wa_contacts c USING jsonb_to_recordset($2::jsonb) AS x(lid text, pn text) WHERE c.session_id = $1 AND c.jid = x.lid`,
        [sessionId, JSON.stringify(merged)],
      );
    }
    const rows: ContactRow[] = await manager.query(
      `INSERT INTO wa_contacts (session_id, tenant_id, jid, pn_jid, lid_jid, name, notify, verified_name, img_url)
       SELECT $1, $2, x.jid, x.pn_jid, x.lid_jid, x.name, x.notify, x.verified_name, x.img_url
         FROM jsonb_to_recordset($3::jsonb) AS x(jid text, pn_jid text, lid_jid text, name text, notify text, verified_name text, img_url text)
       ON CONFLICT (session_id, jid) DO UPDATE SET
         pn_jid = COALESCE(excluded.pn_jid, wa_contacts.pn_jid), lid_jid = COALESCE(excluded.lid_jid, wa_contacts.lid_jid),
         name = COALESCE(excluded.name, wa_contacts.name), notify = COALESCE(excluded.notify, wa_contacts.notify),
         verified_name = COALESCE(excluded.verified_name, wa_contacts.verified_name), img_url = COALESCE(excluded.img_url, wa_contacts.img_url),
         updated_at = now()
       RETURNING jid, pn_jid, lid_jid, name, notify, img_url`,
      [sessionId, tenantId, JSON.stringify([...byJid.values()])],
    );
    return rows.map(toSummary);
  }

  async list(manager: EntityManager, sessionId: string, after: string | null, limit: number): Promise<ContactRow[]> {
    const rows: ContactRow[] = await manager.query(
      `SELECT jid, pn_jid, lid_jid, name, notify, img_url FROM wa_contacts
        WHERE session_id = $1 AND ($2::text IS NULL OR jid > $2) ORDER BY jid LIMIT $3`,
      [sessionId, after, limit],
    );
    return rows.map((r) => ({ ...r, name: dec(r.name), notify: dec(r.notify) }));
  }

  /** The contact known by `jid` (its PN or its LID jid), if any. */
  async find(manager: EntityManager, sessionId: string, jid: string): Promise<ContactRow | undefined> {
    const rows: ContactRow[] = await manager.query(
      `SELECT jid, pn_jid, lid_jid, name, notify, img_url FROM wa_contacts
        WHERE session_id = $1 AND (jid = $2 OR pn_jid = $2 OR lid_jid = $2) ORDER BY (jid = $2) DESC LIMIT 1`,
      [sessionId, jid],
    );
    return rows[0] ? { ...rows[0], name: dec(rows[0].name), notify: dec(rows[0].notify) } : undefined;
  }

  async wipe(manager: EntityManager, sessionId: string): Promise<void> {
    await manager.query('DELETE FROM wa_contacts WHERE session_id = $1', [sessionId]);
    await this.mappings.wipe(manager, sessionId);
  }
}

function toSummary(r: ContactRow): ContactSummary {
  return { id: r.jid, pnJid: r.pn_jid, lidJid: r.lid_jid, name: dec(r.name), notify: dec(r.notify), imgUrl: r.img_url };
}
