/** History sync as a tracked job per (session, sync type): chunks, progress, counts, status. */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { rowsOf } from '../common/sql-rows.js';

export interface HistoryJob {
  progress: number | null;
  chatsCount: number;
  contactsCount: number;
  messagesCount: number;
}

@Injectable()
export class HistoryJobs {
  async record(manager: EntityManager, sessionId: string, syncType: string, progress: number | null, chats: number, contacts: number, messages: number): Promise<void> {
    await manager.query(
      `INSERT INTO wa_history_syncs (session_id, sync_type, chunks, progress, chats_count, contacts_count, messages_count)
       VALUES ($1, $2, 1, $3, $4, $5, $6)
       ON CONFLICT (session_id, sync_type) DO UPDATE SET chunks = wa_history_syncs.chunks + 1, status = 'running',
         progress = COALESCE(excluded.progress, wa_history_syncs.progress), chats_count = wa_history_syncs.chats_count + excluded.chats_count,
         contacts_count = wa_history_syncs.contacts_count + excluded.contacts_count,
         messages_count = wa_history_syncs.messages_count + excluded.messages_count, updated_at = now()`,
      [sessionId, syncType, progress, chats, contacts, messages],
    );
  }

  async finish(manager: EntityManager, sessionId: string, syncType: string, status: 'complete' | 'paused'): Promise<HistoryJob | undefined> {
    const rows: Array<{ progress: number | null; chats_count: number; contacts_count: number; messages_count: number }> = rowsOf(await manager.query(
      `UPDATE wa_history_syncs SET status = $3, updated_at = now() WHERE session_id = $1 AND sync_type = $2
       RETURNING progress, chats_count, contacts_count, messages_count`,
      [sessionId, syncType, status],
    ));
    const r = rows[0];
    return r ? { progress: r.progress, chatsCount: r.chats_count, contactsCount: r.contacts_count, messagesCount: r.messages_count } : undefined;
  }
}
