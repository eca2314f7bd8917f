/** `send_queue` in plain SQL (the worker's hot path and the REST list). */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { decodePgJson, encodePgJson } from '../common/postgres-text.js';
import { rowsOf } from '../common/sql-rows.js';
import type { Pacing } from '../sessions/session.entity.js';
import type { QueueStatus } from './send-queue.entity.js';
import type { QueuedSendPayload, QueueItem } from './queue-executor.js';

export interface QueueRow {
  id: string;
  seq: number;
  chatJid: string;
  status: QueueStatus;
  attempts: number;
  error: string | null;
  scheduledAt: Date;
  createdAt: Date;
  sentAt: Date | null;
  payload: QueuedSendPayload;
}

interface RawRow {
  id: string;
  seq: string;
  chat_jid: string;
  status: QueueStatus;
  attempts: number;
  error: string | null;
  scheduled_at: Date;
  created_at: Date;
  sent_at: Date | null;
  payload: unknown;
  session_id: string;
  tenant_id: string;
}

const PENDING = `status IN ('queued', 'sending')`;

@Injectable()
export class SendQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends a send; `scheduled_at` is the earliest it may go: a gap of `minIntervalMs` after the last one waiting. */
  async insert(manager: EntityManager, row: { sessionId: string; id: string; tenantId: string; chatJid: string; payload: QueuedSendPayload; minIntervalMs: number }): Promise<Date> {
    const [inserted] = rowsOf<{ scheduled_at: Date }>(await manager.query(
      `INSERT INTO send_queue (session_id, id, tenant_id, chat_jid, payload, scheduled_at)
       VALUES ($1, $2, $3, $4, $5, GREATEST(now(), COALESCE(
         (SELECT max(scheduled_at) FROM send_queue WHERE session_id = $1 AND ${PENDING}) + $6 * interval '1 millisecond', now())))
       RETURNING scheduled_at`,
      [row.sessionId, row.id, row.tenantId, row.chatJid, JSON.stringify(encodePgJson(row.payload)), row.minIntervalMs],
    ));
    return new Date(inserted!.scheduled_at);
  }

  /** The next send of a session (lowest seq still queued or in flight). */
  async head(sessionId: string): Promise<QueueItem | undefined> {
    const [raw] = rowsOf<RawRow>(await this.dataSource.query(
      `SELECT * FROM send_queue WHERE session_id = $1 AND ${PENDING} ORDER BY seq LIMIT 1`, [sessionId],
    ));
    if (!raw) return undefined;
    return { sessionId, tenantId: raw.tenant_id, id: raw.id, chatJid: raw.chat_jid, payload: decodePgJson(raw.payload) as QueuedSendPayload, status: raw.status as 'queued' | 'sending' };
  }

  /** Marks it in flight; false when it was cancelled meanwhile. */
  async claim(manager: EntityManager, sessionId: string, id: string): Promise<boolean> {
    const rows = rowsOf(await manager.query(
      `UPDATE send_queue SET status = 'sending', attempts = attempts + 1, updated_at = now() WHERE session_id = $1 AND id = $2 AND ${PENDING} RETURNING 1`,
      [sessionId, id],
    ));
    return rows.length > 0;
  }

  /** Back to queued: nothing left (the session was not connected). */
  async requeue(sessionId: string, id: string): Promise<void> {
    await this.dataSource.query(`UPDATE send_queue SET status = 'queued', updated_at = now() WHERE session_id = $1 AND id = $2 AND status = 'sending'`, [sessionId, id]);
  }

  async finish(manager: EntityManager, sessionId: string, id: string, outcome: { status: 'sent'; sentAt: Date } | { status: 'failed'; error: string }): Promise<boolean> {
    const rows = rowsOf(await manager.query(
      `UPDATE send_queue SET status = $3, sent_at = $4, error = $5, updated_at = now() WHERE session_id = $1 AND id = $2 AND ${PENDING} RETURNING 1`,
      [sessionId, id, outcome.status, outcome.status === 'sent' ? outcome.sentAt : null, outcome.status === 'failed' ? outcome.error : null],
    ));
    return rows.length > 0;
  }

  /** Cancels a queued send; the row as it is otherwise (undefined: no such send). */
  async cancel(manager: EntityManager, sessionId: string, id: string): Promise<{ cancelled: boolean; row?: QueueRow }> {
    const [raw] = rowsOf<RawRow>(await manager.query(
      `UPDATE send_queue SET status = 'cancelled', updated_at = now() WHERE session_id = $1 AND id = $2 AND status = 'queued' RETURNING *`, [sessionId, id],
    ));
    if (raw) return { cancelled: true, row: toRow(raw) };
    const [existing] = rowsOf<RawRow>(await manager.query(`SELECT * FROM send_queue WHERE session_id = $1 AND id = $2`, [sessionId, id]));
    return { cancelled: false, row: existing ? toRow(existing) : undefined };
  }

  /** A page of a session's sends in queue order, after `afterSeq`; `all` includes finished ones. */
  async list(sessionId: string, afterSeq: number, limit: number, all: boolean): Promise<QueueRow[]> {
    const raws = rowsOf<RawRow>(await this.dataSource.query(
      `SELECT * FROM send_queue WHERE session_id = $1 AND seq > $2 ${all ? '' : `AND ${PENDING}`} ORDER BY seq LIMIT $3`,
      [sessionId, afterSeq, limit],
    ));
    return raws.map(toRow);
  }

  async sessionsWithWork(limit: number): Promise<string[]> {
    const rows = rowsOf<{ session_id: string }>(await this.dataSource.query(`SELECT DISTINCT session_id FROM send_queue WHERE ${PENDING} LIMIT $1`, [limit]));
    return rows.map((r) => r.session_id);
  }

  /** When the session's last send went (the gap after a restart counts from it). */
  async lastSentAt(sessionId: string): Promise<number | undefined> {
    const [row] = rowsOf<{ at: Date | null }>(await this.dataSource.query(`SELECT max(sent_at) AS at FROM send_queue WHERE session_id = $1`, [sessionId]));
    return row?.at ? new Date(row.at).getTime() : undefined;
  }

  async pacing(sessionId: string): Promise<Pacing | null> {
    const [row] = rowsOf<{ pacing: Pacing | null }>(await this.dataSource.query(`SELECT pacing FROM wa_sessions WHERE id = $1`, [sessionId]));
    return row?.pacing ?? null;
  }

  /** The session's tenant, when the session exists. */
  async tenantOf(sessionId: string): Promise<string | undefined> {
    const [row] = rowsOf<{ tenant_id: string }>(await this.dataSource.query(`SELECT tenant_id FROM wa_sessions WHERE id = $1`, [sessionId]));
    return row?.tenant_id;
  }
}

function toRow(raw: RawRow): QueueRow {
  return {
    id: raw.id,
    seq: Number(raw.seq),
    chatJid: raw.chat_jid,
    status: raw.status,
    attempts: raw.attempts,
    error: raw.error,
    scheduledAt: new Date(raw.scheduled_at),
    createdAt: new Date(raw.created_at),
    sentAt: raw.sent_at ? new Date(raw.sent_at) : null,
    payload: decodePgJson(raw.payload) as QueuedSendPayload,
  };
}
