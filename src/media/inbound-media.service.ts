/**
 * The media of messages as they are stored: a pending download for each live inbound media
 * message when the tenant's download-media switch is on (in the messages' own transaction, so a
 * download exists if and only if its message committed), the row an on-demand download needs, and
 * the link from a message we sent to the upload it carried.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SessionStore } from '../sessions/session-store.js';
import type { WaMediaInfo, WaMessageRecord } from '../whatsapp/conversation-types.js';
import { MediaJobs, type PendingMedia } from './media-jobs.js';
import { isMediaKind } from './media-kinds.js';
import type { MediaEntity } from './media.entity.js';

const DEFAULT_MIME = { image: 'image/jpeg', video: 'video/mp4', audio: 'audio/mpeg', voice: 'audio/ogg; codecs=opus', document: 'application/octet-stream', sticker: 'image/webp' } as const;

export interface SessionRef {
  sessionId: string;
  tenantId: string;
}

@Injectable()
export class InboundMediaService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionStore,
    private readonly jobs: MediaJobs,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Queues the downloads of live (`notify`) messages' media when the switch is on. Each message
   * may bring the messages/received payload to hold until its first download attempt; returns
   * the ids of the messages whose payload is now held (the caller must not emit those).
   */
  async recordInbound(
    manager: EntityManager,
    ref: SessionRef,
    upsertType: 'notify' | 'append' | 'history',
    messages: Array<{ record: WaMessageRecord; announce: Record<string, unknown> | null }>,
  ): Promise<Set<string>> {
    if (upsertType !== 'notify') return new Set();
    const items = messages.flatMap(({ record, announce }) => {
      const pending = record.isStub || !record.media ? undefined : pendingOf(ref, record.remoteJid, record.id, record.media, announce);
      return pending ? [pending] : [];
    });
    if (items.length === 0) return new Set();
    if (!(await this.sessions.downloadMedia(ref.tenantId, this.config.whatsapp.downloadMedia, manager))) return new Set();
    const inserted = await this.jobs.addPending(manager, items, true);
    return new Set(items.filter((i) => i.announce && inserted.has(i.messageId)).map((i) => i.messageId));
  }

  /** The media row of a stored message, created (not scheduled) when missing; undefined without downloadable media. */
  async rowFor(ref: SessionRef, remoteJid: string, messageId: string, media: WaMediaInfo): Promise<MediaEntity | undefined> {
    const existing = await this.jobs.forMessage(ref.sessionId, remoteJid, messageId);
    if (existing) return existing;
    const pending = pendingOf(ref, remoteJid, messageId, media, null);
    if (!pending) return undefined;
    await this.jobs.addPending(this.dataSource.manager, [pending], false);
    return (await this.jobs.forMessage(ref.sessionId, remoteJid, messageId)) ?? undefined;
  }

  /** In the wipe's transaction (logout, delete): the session's message media rows go (uploads stay, they are the tenant's). */
  async wipe(manager: EntityManager, sessionId: string): Promise<void> {
    await manager.query(`DELETE FROM wa_media WHERE session_id = $1 AND origin IN ('inbound', 'sent')`, [sessionId]);
  }

  /** In the sent message's transaction: the message shows the upload's media (one stored object). */
  linkSent(manager: EntityManager, upload: MediaEntity, sessionId: string, remoteJid: string, messageId: string): Promise<void> {
    return this.jobs.addSent(manager, upload, sessionId, remoteJid, messageId);
  }
}

function pendingOf(ref: SessionRef, remoteJid: string, messageId: string, media: WaMediaInfo, announce: Record<string, unknown> | null): PendingMedia | undefined {
  if (!isMediaKind(media.kind) || !media.mediaKey) return undefined;
  return {
    tenantId: ref.tenantId, sessionId: ref.sessionId, remoteJid, messageId, kind: media.kind, mime: media.mime ?? DEFAULT_MIME[media.kind],
    fileName: media.fileName, caption: media.caption, width: media.width, height: media.height, durationSeconds: media.duration,
    waMediaKey: Buffer.from(media.mediaKey, 'base64'), waDirectPath: media.directPath, announce,
  };
}
