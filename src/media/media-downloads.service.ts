/**
 * Inbound media downloads: a worker that claims due rows of `wa_media` (bounded concurrency),
 * streams each message's media from WhatsApp's CDN (decrypting it; asking the phone to upload it
 * again when the CDN copy is gone) into storage, checks its SHA-256 against the sender's, and
 * records the outcome. A failure is retried with exponential backoff and jitter up to
 * MEDIA_DOWNLOAD_MAX_ATTEMPTS, then marked failed; a download a crash interrupted is redone at boot.
 * A download that does not fit in the tenant's media quota is failed at once (on demand tries again).
 * After each stored download `session.messages.media` is emitted (after commit), and a held
 * messages/received callback goes out with the media's URL.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DomainEvents, type EventTransaction } from '../events/domain-events.js';
import type { DomainEventMap, MessageMediaSummary } from '../events/event-map.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionStore } from '../sessions/session-store.js';
import { downloadInboundMedia, MediaGoneError } from '../whatsapp/media-download.js';
import { decodeRaw } from '../whatsapp/message-translator.js';
import { WhatsAppSocketFactory } from '../whatsapp/socket-factory.js';
import { describeFailure, retryDelayMs } from './download-policy.js';
import { MediaJobs, type StoredObject } from './media-jobs.js';
import { extensionFor } from './media-kinds.js';
import { messageKey, sessionPrefix } from './media-keys.js';
import { MediaMeter } from './media-meter.js';
import { MediaQuota } from './media-quota.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';
import { MediaUrls } from './media-urls.js';
import type { MediaEntity } from './media.entity.js';

/** Where the download finds the message (registered by the chats module, which owns messages). */
export type MessageSource = (sessionId: string, remoteJid: string, messageId: string) => Promise<{ raw: Buffer; chatJid: string } | undefined>;

export type DownloadSource = 'event' | 'on_demand';

/** A claim outlives any single download; a dead process's claims are retaken after it (or at boot). */
const LEASE_MS = 15 * 60_000;
const SHUTDOWN_WAIT_MS = 5000;

/** Failures that no retry can fix. */
class PermanentFailure extends Error {}

const QUOTA_FULL = "the tenant's media quota (MEDIA_QUOTA_BYTES_PER_TENANT) is full";

/** Message kinds that never carry downloadable media. */
const PLAIN_KINDS = new Set(['text', 'reaction', 'location', 'contact', 'poll', 'ciphertext']);

@Injectable()
export class MediaDownloads implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: AppLogger;
  private readonly cfg: AppConfig['media']['download'];
  private readonly inFlight = new Map<string, Promise<MediaEntity>>();
  private source?: MessageSource;
  private running = false;
  private filling = false;
  private fillAgain = false;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly jobs: MediaJobs,
    private readonly urls: MediaUrls,
    private readonly events: DomainEvents,
    private readonly registry: SessionRegistry,
    private readonly sessions: SessionStore,
    private readonly factory: WhatsAppSocketFactory,
    private readonly quota: MediaQuota,
  ) {
    this.logger = logger.child({ module: 'media' });
    this.cfg = config.media.download;
  }

  /** The chats module registers how to read a stored message (media never imports chats). */
  useMessageSource(source: MessageSource): void {
    this.source = source;
  }

  async onApplicationBootstrap(): Promise<void> {
    const released = await this.jobs.releaseInterrupted();
    if (released > 0) this.logger.info({ count: released }, 'redoing media downloads a stop interrupted');
    void this.storage.removeLeftovers?.().then(
      (count) => (count > 0 ? this.logger.info({ count }, 'removed partial media files a stop left behind') : undefined),
      (err: unknown) => this.logger.warn({ err }, 'could not look for partial media files'),
    );
    this.running = true;
    const off = [
      // Only an upsert that may have queued a download is worth a claim query (not every text).
      this.events.onCommit('session.messages.upsert', (e) => (e.payload.messages.some((m) => !PLAIN_KINDS.has(m.kind ?? '')) ? this.kick() : undefined)),
      // The rows went with the wipe's transaction; the objects go once it committed.
      this.events.onCommit('session.deleted', (e) => this.deleteObjects(e.payload.tenantId, e.sessionId)),
      this.events.onCommit('session.status.changed', (e) => (e.payload.status === 'logged_out' ? this.deleteObjects(e.payload.tenantId, e.sessionId) : undefined)),
    ];
    this.unsubscribe = () => off.forEach((f) => f());
    this.timer = setInterval(() => this.kick(), this.cfg.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming; downloads under way get a moment to finish, else boot redoes them. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.unsubscribe?.();
    const wait = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref());
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), wait]);
  }

  private async deleteObjects(tenantId: string, sessionId: string): Promise<void> {
    await this.storage.deletePrefix(sessionPrefix(tenantId, sessionId));
  }

  /** Looks for due downloads now (after a commit that may have queued some, and on a poll). */
  kick(): void {
    if (!this.running) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = true;
    void this.fill()
      .catch((err: unknown) => this.logger.error({ err }, 'claiming media downloads failed'))
      .finally(() => {
        this.filling = false;
        if (this.fillAgain) {
          this.fillAgain = false;
          this.kick();
        }
      });
  }

  /**
   * Downloads one message's media at once (POST /chats/:jid/messages/:messageId/media): its row
   * (created when missing), the download under way if there is one, or a new attempt. Resolves
   * with the row as it ends (stored, or failed with `lastError`).
   */
  async downloadNow(row: MediaEntity): Promise<MediaEntity> {
    if (row.state === 'stored') return row;
    const running = this.inFlight.get(row.id);
    if (running) return running;
    const claimed = await this.jobs.claimNow(row.id, LEASE_MS);
    if (!claimed) return (await this.jobs.forMessage(row.sessionId!, row.chatJid!, row.messageId!)) ?? row;
    return this.launch(claimed, 'on_demand');
  }

  private async fill(): Promise<void> {
    while (this.running) {
      const free = this.cfg.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const rows = await this.jobs.claimDue(free, LEASE_MS);
      for (const row of rows) void this.launch(row, 'event').catch(() => undefined);
      if (rows.length < free) return;
    }
  }

  private launch(row: MediaEntity, source: DownloadSource): Promise<MediaEntity> {
    const run = this.attempt(row, source).finally(() => {
      this.inFlight.delete(row.id);
      this.kick();
    });
    this.inFlight.set(row.id, run);
    return run;
  }

  private async attempt(row: MediaEntity, source: DownloadSource): Promise<MediaEntity> {
    const log = { mediaId: row.id, sessionId: row.sessionId, tenantId: row.tenantId, attempt: row.attempts };
    let found: { raw: Buffer; chatJid: string } | undefined;
    try {
      found = await this.source?.(row.sessionId!, row.chatJid!, row.messageId!);
      if (!found) throw new PermanentFailure('the message is no longer stored');
      const object = await this.fetch(row, found.raw);
      const stored = await this.events.transaction(async (tx) => {
        await this.quota.reserve(tx.manager, row.tenantId, object.size).catch(async () => {
          await this.storage.delete(object.key).catch(() => undefined);
          throw new PermanentFailure(QUOTA_FULL);
        });
        const done = await this.jobs.markStored(tx.manager, row.id, object);
        await this.announce(tx, row, done);
        await tx.emit('session.messages.media', row.sessionId!, {
          tenantId: row.tenantId, mediaCount: 1, media: [await this.summaryOf(done, found!.chatJid)], source,
        });
        return done;
      });
      this.logger.debug({ ...log, size: object.size }, 'media downloaded');
      return stored;
    } catch (err) {
      const error = describeFailure(err);
      const final = err instanceof PermanentFailure || source === 'on_demand' || row.attempts >= this.cfg.maxAttempts;
      const retryAt = final ? null : new Date(Date.now() + retryDelayMs(row.attempts, this.cfg.retryBaseMs, Math.random()));
      this.logger.warn({ ...log, error, retryAt }, final ? 'media download failed' : 'media download failed, will retry');
      return this.events.transaction(async (tx) => {
        const failed = await this.jobs.markFailed(tx.manager, row.id, error, retryAt);
        await this.announce(tx, row, failed);
        return failed;
      });
    }
  }

  /** Streams the decrypted media into storage; the SHA-256 must be the one the sender announced. */
  private async fetch(row: MediaEntity, raw: Buffer): Promise<StoredObject> {
    const message = decodeRaw(raw);
    const live = this.registry.get(row.sessionId!);
    const reupload = async (m: typeof message): Promise<typeof message> => {
      if (!live?.isConnected) throw new Error('the CDN copy is gone and the session is not connected to ask the phone for it');
      return live.commands.reuploadMedia(m);
    };
    // Through the session's proxy: its socket's when connected here, else the one stored for it
    // (another node owns it, it is stopped, or it has not reconnected since a boot or a change).
    const stored = live?.isConnected ? undefined : { proxyUrl: (await this.sessions.findById(row.sessionId!))?.proxyUrl ?? null };
    const dispatcher = this.factory.mediaDownloadOptions(row.sessionId!, stored).options?.dispatcher as unknown as Dispatcher | undefined;
    let opened: Awaited<ReturnType<typeof downloadInboundMedia>>;
    try {
      opened = await downloadInboundMedia(message, reupload, dispatcher);
    } catch (err) {
      if (err instanceof MediaGoneError) throw new PermanentFailure(err.message);
      throw err;
    }
    const { media, body } = opened;
    const key = messageKey(row.tenantId, row.sessionId!, row.messageId!, row.fileName ?? `${row.kind}.${extensionFor(row.mime)}`);
    const room = await this.quota.room(row.tenantId);
    if (room === 0) {
      body.destroy();
      throw new PermanentFailure(QUOTA_FULL);
    }
    const meter = new MediaMeter(Math.min(room, Number.MAX_SAFE_INTEGER));
    await store(this.storage, key, body, meter, row.mime);
    if (meter.exceeded) {
      await this.storage.delete(key);
      throw new PermanentFailure(QUOTA_FULL);
    }
    if (media.fileSha256 && media.fileSha256 !== meter.sha256) {
      await this.storage.delete(key);
      throw new Error('the downloaded bytes do not match the SHA-256 the sender announced');
    }
    return { key, size: meter.byteCount, sha256: meter.sha256 };
  }

  /** The messages/received callback held for this download goes out now, with what is known. */
  private async announce(tx: EventTransaction, claimed: MediaEntity, now: MediaEntity): Promise<void> {
    if (!claimed.announce) return;
    const held = claimed.announce as unknown as DomainEventMap['session.message.received'];
    const url = await this.urls.stableUrlFor(now);
    await tx.emit('session.message.received', claimed.sessionId!, {
      ...held,
      mediaInfo: { ...held.mediaInfo, media_id: now.id, state: now.state, url, size: now.size === null ? held.mediaInfo.size : Number(now.size), sha256: now.sha256 ?? held.mediaInfo.sha256 },
    });
  }

  private async summaryOf(row: MediaEntity, chatJid: string): Promise<MessageMediaSummary> {
    return {
      messageId: row.messageId!, chatJid, mediaId: row.id, kind: row.kind, url: await this.urls.urlFor(row), mime: row.mime,
      size: row.size === null ? null : Number(row.size), width: row.width, height: row.height, duration: row.durationSeconds,
      sha256: row.sha256, fileName: row.fileName,
    };
  }
}

async function store(storage: MediaStorage, key: string, body: Readable, meter: MediaMeter, mime: string): Promise<void> {
  const flowing = pipeline(body, meter);
  try {
    await Promise.all([flowing, storage.put(key, meter, mime)]);
  } catch (err) {
    body.destroy();
    await flowing.catch(() => undefined);
    await storage.delete(key).catch(() => undefined);
    throw err;
  }
}
