/**
 * Messages persisted idempotently by key: Baileys may deliver a message twice (retries, reconnects,
 * history), and a repeat must neither duplicate a row nor be reported again.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { decodePgText, encodePgJson } from '../common/postgres-text.js';
import type { MessageStatusUpdate, MessageSummary } from '../events/event-map.js';

@Injectable()
export class MessageStore {
  /** Inserts the messages that are new; returns those (a repeat is left out). */
  async insertNew(
    manager: EntityManager,
    sessionId: string,
    tenantId: string,
    messages: Array<MessageSummary & { senderPhone: string | null; status: string | null }>,
  ): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const rows: Array<{ remote_jid: string; id: string }> = await manager.query(
      `INSERT INTO wa_messages (session_id, tenant_id, remote_jid, id, from_me, remote_jid_alt, sender_phone, push_name, type, text, status, ts)
       SELECT $1, $2, x.remote_jid, x.id, x.from_me, x.remote_jid_alt, x.sender_phone, x.push_name, x.type, x.text, x.status, x.ts
       FROM jsonb_to_recordset($3::jsonb) AS x(remote_jid text, id text, from_me boolean, remote_jid_alt text, sender_phone text,
            push_name text, type text, text text, status text, ts bigint)
       ON CONFLICT (session_id, remote_jid, id) DO NOTHING
       RETURNING remote_jid, id`,
      [
        sessionId,
        tenantId,
        JSON.stringify(
          messages.map((m) => ({
            remote_jid: m.remoteJid, id: m.id, from_me: m.fromMe, remote_jid_alt: m.remoteJidAlt ?? null, sender_phone: m.senderPhone,
            push_name: m.pushName ?? null, type: m.type, text: m.text, status: m.status, ts: m.timestamp,
          })).map(encodePgJson),
        ),
      ],
    );
    return new Set(rows.map((r) => `${decodePgText(r.remote_jid)}|${decodePgText(r.id)}`));
  }

  async updateStatuses(manager: EntityManager, sessionId: string, updates: MessageStatusUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await manager.query(
      `UPDATE wa_messages m SET status = x.status
       FROM jsonb_to_recordset($2::jsonb) AS x(remote_jid text, id text, status text)
       WHERE m.session_id = $1 AND m.remote_jid = x.remote_jid AND m.id = x.id`,
      [sessionId, JSON.stringify(updates.map((u) => encodePgJson({ remote_jid: u.remoteJid, id: u.messageId, status: u.status })))],
    );
  }

  async wipe(manager: EntityManager, sessionId: string): Promise<void> {
    await manager.query('DELETE FROM wa_messages WHERE session_id = $1', [sessionId]);
  }
}
