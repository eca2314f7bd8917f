/**
 * Per-recipient receipts of the session's messages: each group member's (Baileys'
 * `message-receipt.update`) and the 1:1 contact's (the message's status). A receipt never goes
 * backwards (a late "delivered" after "read" keeps "read" and records when it was delivered).
 * Group receipts are announced as `session.messages.update` per recipient.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { LidMappings } from '../contacts/lid-mappings.js';
import type { SessionContext, WaReceipt } from '../whatsapp/conversation-types.js';
import type { ReceiptDto } from './chats.dto.js';

const RANK = (col: string): string => `CASE ${col} WHEN 'delivered' THEN 1 WHEN 'read' THEN 2 WHEN 'played' THEN 3 ELSE 0 END`;

const UPSERT = `INSERT INTO wa_message_receipts (session_id, remote_jid, wa_id, recipient_jid, tenant_id, status, delivered_at, read_at, played_at)
  SELECT x.session_id, x.remote_jid, x.wa_id, x.recipient_jid, x.tenant_id, x.status, x.delivered_at, x.read_at, x.played_at
    FROM jsonb_to_recordset($1::jsonb) AS x(session_id uuid, remote_jid text, wa_id text, recipient_jid text, tenant_id uuid, status text,
         delivered_at bigint, read_at bigint, played_at bigint)
  ON CONFLICT (session_id, remote_jid, wa_id, recipient_jid) DO UPDATE SET
    status = CASE WHEN ${RANK('excluded.status')} > ${RANK('wa_message_receipts.status')} THEN excluded.status ELSE wa_message_receipts.status END,
    delivered_at = COALESCE(wa_message_receipts.delivered_at, excluded.delivered_at),
    read_at = COALESCE(wa_message_receipts.read_at, excluded.read_at),
    played_at = COALESCE(wa_message_receipts.played_at, excluded.played_at)`;

const STATUS_RANK: Record<WaReceipt['status'], number> = { delivered: 1, read: 2, played: 3 };

const phoneOf = (jid: string | null | undefined): string | null => (jid ? (/^(\d+)@s\.whatsapp\.net$/.exec(jid)?.[1] ?? null) : null);

@Injectable()
export class ReceiptStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: DomainEvents,
    private readonly mappings: LidMappings,
  ) {}

  async store(ctx: SessionContext, receipts: WaReceipt[]): Promise<void> {
    // One row per (message, recipient): a batch may hold its delivered and its read receipt (one INSERT cannot touch a row twice).
    const byKey = new Map<string, { session_id: string; remote_jid: string; wa_id: string; recipient_jid: string; tenant_id: string; status: WaReceipt['status']; delivered_at: number | null; read_at: number | null; played_at: number | null }>();
    for (const r of receipts) {
      const key = `${r.remoteJid}|${r.id}|${r.recipientJid}`;
      const row = byKey.get(key) ?? { session_id: ctx.sessionId, remote_jid: r.remoteJid, wa_id: r.id, recipient_jid: r.recipientJid, tenant_id: ctx.tenantId, status: r.status, delivered_at: null, read_at: null, played_at: null };
      if (STATUS_RANK[r.status] > STATUS_RANK[row.status]) row.status = r.status;
      const column = r.status === 'delivered' ? 'delivered_at' : r.status === 'read' ? 'read_at' : 'played_at';
      row[column] ??= r.at;
      byKey.set(key, row);
    }
    const rows = [...byKey.values()];
    const group = receipts.filter((r) => r.remoteJid.endsWith('@g.us'));
    await this.events.transaction(async (tx) => {
      await tx.manager.query(UPSERT, [JSON.stringify(rows)]);
      if (group.length === 0) return;
      const pn = await this.mappings.counterparts(tx.manager, ctx.sessionId, group.map((r) => r.recipientJid).filter((j) => j.endsWith('@lid')));
      await tx.emit('session.messages.update', ctx.sessionId, {
        tenantId: ctx.tenantId, source: 'receipt', updatesCount: group.length,
        updates: group.map((r) => ({
          messageId: r.id, remoteJid: r.remoteJid, chatJid: r.remoteJid, status: r.status, statusAt: r.at,
          recipientJid: r.recipientJid, recipientPhone: phoneOf(r.recipientJid) ?? phoneOf(pn.get(r.recipientJid)),
        })),
      });
    });
  }

  /** The receipts of one stored message, by recipient. */
  async list(sessionId: string, remoteJid: string, waId: string): Promise<ReceiptDto[]> {
    const rows: Array<{ recipient_jid: string; status: 'delivered' | 'read' | 'played'; delivered_at: string | null; read_at: string | null; played_at: string | null }> =
      await this.dataSource.query(
        `SELECT recipient_jid, status, delivered_at, read_at, played_at FROM wa_message_receipts
          WHERE session_id = $1 AND remote_jid = $2 AND wa_id = $3 ORDER BY recipient_jid`,
        [sessionId, remoteJid, waId],
      );
    const pn = await this.mappings.counterparts(this.dataSource.manager, sessionId, rows.map((r) => r.recipient_jid).filter((j) => j.endsWith('@lid')));
    return rows.map((r) => {
      const at = r.status === 'played' ? (r.played_at ?? r.read_at) : r.status === 'read' ? r.read_at : r.delivered_at;
      return { jid: r.recipient_jid, phone: phoneOf(r.recipient_jid) ?? phoneOf(pn.get(r.recipient_jid)), status: r.status, at: at === null ? null : Number(at) };
    });
  }
}
