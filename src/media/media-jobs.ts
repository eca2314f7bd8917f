/**
 * The download queue is the `wa_media` table itself: a `pending` row is a download due at
 * `next_attempt_at`; claiming it makes it `downloading` with `next_attempt_at` as the claim's lease
 * (a claim whose process died is taken again once its lease is over, or at once when that
 * process, or its node in cluster mode, starts again: `claimed_by` names the claimer).
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository } from 'typeorm';
import { encodePgJson, encodePgText } from '../common/postgres-text.js';
import { rowsOf } from '../common/sql-rows.js';
import type { AppConfig, MediaKind } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MediaEntity } from './media.entity.js';

/** What a message tells about its media before it is downloaded. */
export interface PendingMedia {
  tenantId: string;
  sessionId: string;
  /** The message key's remoteJid and id. */
  remoteJid: string;
  messageId: string;
  kind: MediaKind;
  mime: string;
  fileName: string | null;
  caption: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  waMediaKey: Buffer | null;
  waDirectPath: string | null;
  /** The messages/received callback to emit after the first attempt (null: not held). */
  announce: Record<string, unknown> | null;
}

export interface StoredObject {
  key: string;
  size: number;
  sha256: string;
}

const enc = (v: string | null): string | null => (v === null ? null : encodePgText(v));

@Injectable()
export class MediaJobs {
  /** Who claims: this node in cluster mode, null for a single node (it is every claimer). */
  private readonly claimer: string | null;

  constructor(
    @InjectRepository(MediaEntity) private readonly rows: Repository<MediaEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.claimer = config.cluster?.nodeId ?? null;
  }

  /** Inserts the rows that do not exist yet (by message); returns the inserted ones' message ids. */
  async addPending(manager: EntityManager, items: PendingMedia[], dueNow: boolean): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const inserted: Array<{ message_id: string }> = await manager.query(
      `INSERT INTO wa_media (id, tenant_id, session_id, origin, chat_jid, message_id, kind, mime, state, file_name, caption, width, height,
                             duration_seconds, wa_media_key, wa_direct_path, announce, next_attempt_at)
       SELECT x.id, x.tenant_id, x.session_id, 'inbound', x.chat_jid, x.message_id, x.kind, x.mime, 'pending', x.file_name, x.caption, x.width,
              x.height, x.duration_seconds, decode(x.wa_media_key, 'base64'), x.wa_direct_path, x.announce, CASE WHEN $2 THEN now() END
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, session_id uuid, chat_jid text, message_id text, kind text, mime text,
              file_name text, caption text, width int, height int, duration_seconds int, wa_media_key text, wa_direct_path text, announce jsonb)
       ON CONFLICT (session_id, chat_jid, message_id) DO NOTHING
       RETURNING message_id`,
      [
        JSON.stringify(items.map((m) => ({
          id: randomUUID(), tenant_id: m.tenantId, session_id: m.sessionId, chat_jid: m.remoteJid, message_id: m.messageId, kind: m.kind,
          // As the entity's transformers store them: no U+0000 reaches text or jsonb (WhatsApp texts may carry it).
          mime: m.mime.split('\u0000').join(''), file_name: enc(m.fileName), caption: enc(m.caption), width: m.width, height: m.height,
          duration_seconds: m.durationSeconds, wa_media_key: m.waMediaKey?.toString('base64') ?? null, wa_direct_path: m.waDirectPath,
          announce: m.announce ? encodePgJson(m.announce) : null,
        }))),
        dueNow,
      ],
    );
    return new Set(inserted.map((r) => r.message_id));
  }

  /** Links a message we sent to the stored upload it carried (same object, no second copy). */
  async addSent(manager: EntityManager, upload: MediaEntity, sessionId: string, remoteJid: string, messageId: string): Promise<void> {
    await manager.query(
      `INSERT INTO wa_media (id, tenant_id, session_id, origin, chat_jid, message_id, kind, mime, state, storage_key, size, sha256, file_name,
                             width, height, duration_seconds, thumbnail)
       SELECT $1, tenant_id, $2, 'sent', $3, $4, kind, mime, 'stored', storage_key, size, sha256, file_name, width, height, duration_seconds, thumbnail
         FROM wa_media WHERE id = $5
       ON CONFLICT (session_id, chat_jid, message_id) DO NOTHING`,
      [randomUUID(), sessionId, remoteJid, messageId, upload.id],
    );
  }

  async forMessage(sessionId: string, remoteJid: string, messageId: string, manager?: EntityManager): Promise<MediaEntity | null> {
    return (manager?.getRepository(MediaEntity) ?? this.rows).findOne({ where: { sessionId, chatJid: remoteJid, messageId } });
  }

  /** The media rows of a page of messages, by `remoteJid|messageId`. */
  async forMessages(sessionId: string, keys: Array<{ remoteJid: string; messageId: string }>): Promise<Map<string, MediaEntity>> {
    const out = new Map<string, MediaEntity>();
    if (keys.length === 0) return out;
    const rows = await this.rows
      .createQueryBuilder('m')
      .where('m.session_id = :sessionId', { sessionId })
      .andWhere('(m.chat_jid, m.message_id) IN (SELECT * FROM unnest(CAST(:jids AS text[]), CAST(:ids AS text[])))', {
        jids: keys.map((k) => k.remoteJid),
        ids: keys.map((k) => k.messageId),
      })
      .getMany();
    for (const row of rows) out.set(`${row.chatJid}|${row.messageId}`, row);
    return out;
  }

  /** Claims up to `limit` due downloads (pending and due, or a claim whose lease ran out). */
  async claimDue(limit: number, leaseMs: number): Promise<MediaEntity[]> {
    const ids: Array<{ id: string }> = rowsOf(await this.rows.query(
      `UPDATE wa_media SET state = 'downloading', attempts = attempts + 1, next_attempt_at = now() + ($2::int * interval '1 millisecond'),
              claimed_by = $3, updated_at = now()
        WHERE id IN (SELECT id FROM wa_media WHERE state IN ('pending', 'downloading') AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [limit, leaseMs, this.claimer],
    ));
    return ids.length > 0 ? this.rows.findBy({ id: In(ids.map((r) => r.id)) }) : [];
  }

  /** Claims one download now, whatever its schedule (on demand); null when it is stored or claimed. */
  async claimNow(id: string, leaseMs: number): Promise<MediaEntity | null> {
    const ids: Array<{ id: string }> = rowsOf(await this.rows.query(
      `UPDATE wa_media SET state = 'downloading', attempts = attempts + 1, next_attempt_at = now() + ($2::int * interval '1 millisecond'),
              claimed_by = $3, updated_at = now()
        WHERE id = $1 AND (state IN ('pending', 'failed') OR (state = 'downloading' AND next_attempt_at <= now()))
        RETURNING id`,
      [id, leaseMs, this.claimer],
    ));
    return ids.length > 0 ? this.rows.findOneBy({ id }) : null;
  }

  /**
   * At boot: the claims this process's previous run left behind (its node's, in cluster mode) are
   * due again. Other nodes' claims are theirs until their lease is over.
   */
  async releaseInterrupted(): Promise<number> {
    const ids: unknown[] = rowsOf(await this.rows.query(
      `UPDATE wa_media SET state = 'pending', next_attempt_at = now(), updated_at = now()
        WHERE state = 'downloading' AND claimed_by IS NOT DISTINCT FROM $1 RETURNING id`,
      [this.claimer],
    ));
    return ids.length;
  }

  async markStored(manager: EntityManager, id: string, object: StoredObject): Promise<MediaEntity> {
    await manager.query(
      `UPDATE wa_media SET state = 'stored', storage_key = $2, size = $3, sha256 = $4, last_error = NULL, next_attempt_at = NULL, announce = NULL,
              updated_at = now() WHERE id = $1`,
      [id, object.key, object.size, object.sha256],
    );
    return manager.getRepository(MediaEntity).findOneByOrFail({ id });
  }

  /** `retryAt` null: no more automatic attempts (`failed`). */
  async markFailed(manager: EntityManager, id: string, error: string, retryAt: Date | null): Promise<MediaEntity> {
    await manager.query(
      `UPDATE wa_media SET state = $2, last_error = $3, next_attempt_at = $4, announce = NULL, updated_at = now() WHERE id = $1`,
      [id, retryAt ? 'pending' : 'failed', error, retryAt],
    );
    return manager.getRepository(MediaEntity).findOneByOrFail({ id });
  }
}
