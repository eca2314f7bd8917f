/**
 * What the REST, SSE and sandbox endpoints ask of sessions, scoped to the caller's tenant
 * (another tenant's session is a 404).
 */
import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { DomainEvents } from '../events/domain-events.js';
import type { DomainEvent } from '../events/event-map.js';
import { SendQueueService } from '../send-queue/send-queue.service.js';
import type { QueuedDto } from '../send-queue/send-queue.dto.js';
import { phoneToJid } from '../whatsapp/jid.js';
import { TimeoutError } from '../whatsapp/whatsapp-connection.js';
import type { LiveSession } from './live-session.js';
import { NotAwaitingScanError, SessionNotConnectedError } from './session-errors.js';
import type { SessionEntity, SessionOrigin } from './session.entity.js';
import type { UpdateSessionDto } from './session.dto.js';
import { SessionRegistry } from './session-registry.js';
import { FINAL_STATUSES, SessionStore } from './session-store.js';

export interface SentMessage {
  messageId: string;
  to: string;
  timestamp: number;
}

@Injectable()
export class SessionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: SessionStore,
    private readonly registry: SessionRegistry,
    private readonly events: DomainEvents,
    private readonly queue: SendQueueService,
  ) {}

  /** Creates a session and starts onboarding; `id` lets a caller subscribe to it first. */
  async create(auth: AuthContext, id: string = randomUUID(), origin: SessionOrigin = 'api', proxyUrl: string | null = null): Promise<SessionEntity> {
    const row = await this.store.create(id, auth, this.config.whatsapp.maxSessionsPerTenant, origin, proxyUrl);
    await this.registry.start(row, { isNew: true });
    return row;
  }

  /** Seed 001's GET /generate-qr: a new session and its first QR. */
  async createAndWaitForQr(auth: AuthContext): Promise<{ session: SessionEntity; qr: string; qrText: string }> {
    const id = randomUUID();
    const firstQr = new Promise<DomainEvent<'session.qr.updated'>>((resolve, reject) => {
      const timer = setTimeout(() => {
        offQr();
        offStatus();
        reject(AppError.unavailable('WhatsApp did not provide a QR code in time', 'GATEWAY_TIMEOUT'));
      }, this.config.whatsapp.requestTimeoutMs);
      const offQr = this.events.onCommit('session.qr.updated', (event) => {
        if (event.sessionId !== id) return;
        clearTimeout(timer);
        offQr();
        offStatus();
        resolve(event);
      });
      const offStatus = this.events.onCommit('session.status.changed', (event) => {
        if (event.sessionId !== id || !FINAL_STATUSES.includes(event.payload.status)) return;
        clearTimeout(timer);
        offQr();
        offStatus();
        reject(AppError.unavailable(`The session ended before a QR code (${event.payload.reason ?? event.payload.status})`));
      });
    });
    firstQr.catch(() => undefined);
    const session = await this.create(auth, id);
    const event = await firstQr;
    return { session, qr: event.payload.qr, qrText: event.payload.qrText };
  }

  list(auth: AuthContext): Promise<SessionEntity[]> {
    return this.store.listVisible(auth);
  }

  async get(auth: AuthContext, id: string): Promise<SessionEntity> {
    const row = await this.store.findVisible(auth, id);
    if (!row) throw AppError.notFound('Session not found');
    return row;
  }

  /** PATCH /sessions/:id: the settings given, the others kept. Pacing applies at once; the proxy (null removes it) from the session's next connect. */
  async update(auth: AuthContext, id: string, settings: UpdateSessionDto): Promise<SessionEntity> {
    const row = await this.get(auth, id);
    if (settings.pacing === undefined && settings.proxy === undefined) return row;
    const pacing = settings.pacing && { minIntervalMs: settings.pacing.minIntervalMs, maxIntervalMs: settings.pacing.maxIntervalMs, typing: settings.pacing.typing };
    if (pacing && pacing.maxIntervalMs < pacing.minIntervalMs) {
      throw new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', 'pacing.maxIntervalMs must be at least pacing.minIntervalMs', [{ field: 'pacing.maxIntervalMs', errors: ['below minIntervalMs'] }]);
    }
    const updated = await this.store.update(row.id, {
      ...(settings.pacing !== undefined ? { pacing } : {}),
      ...(settings.proxy !== undefined ? { proxyUrl: settings.proxy } : {}),
    });
    if (!updated) throw AppError.notFound('Session not found');
    if (settings.pacing !== undefined) this.queue.kick(row.id);
    return updated;
  }

  async getQr(auth: AuthContext, id: string): Promise<{ qr: string; qrText: string; expiresAt: Date | null; status: string }> {
    const row = await this.get(auth, id);
    if (!row.qrDataUrl || !row.qrText) {
      throw AppError.conflict(`The session has no QR code to scan (status: ${row.status})`, { status: row.status });
    }
    return { qr: row.qrDataUrl, qrText: row.qrText, expiresAt: row.qrExpiresAt, status: row.status };
  }

  /** A text: sent at once, or queued when the session is paced (src/send-queue). */
  async sendText(auth: AuthContext, id: string, to: string, text: string): Promise<SentMessage | QueuedDto> {
    const row = await this.get(auth, id);
    let jid: string;
    try {
      jid = phoneToJid(to);
    } catch {
      throw new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', 'The number must be 6 to 15 digits, with the country code', [{ field: 'number', errors: ['invalid phone number'] }]);
    }
    if (row.pacing) return this.queue.enqueue({ id: row.id, tenantId: row.tenantId, pacing: row.pacing }, jid, { kind: 'text', content: text, userId: auth.userId });
    const live = this.registry.get(row.id);
    if (!live) throw notConnected(row.status);
    try {
      const sent = await live.sendText(jid, text);
      return { messageId: sent.id, to: jid, timestamp: sent.timestamp };
    } catch (err) {
      if (err instanceof SessionNotConnectedError) throw notConnected(err.status);
      if (err instanceof TimeoutError) throw new AppError(HttpStatus.GATEWAY_TIMEOUT, 'GATEWAY_TIMEOUT', 'WhatsApp did not answer in time');
      throw AppError.unavailable('WhatsApp refused the message');
    }
  }

  /** A pairing code for a session waiting for a scan (the phone enters it instead). */
  async requestPairingCode(auth: AuthContext, id: string, phoneNumber: string): Promise<string> {
    const row = await this.get(auth, id);
    const live = this.registry.get(row.id);
    if (!live) throw notAwaiting(row.status);
    try {
      return await live.requestPairingCode(phoneNumber);
    } catch (err) {
      if (err instanceof NotAwaitingScanError) throw notAwaiting(err.status);
      if (err instanceof TimeoutError) throw new AppError(HttpStatus.GATEWAY_TIMEOUT, 'GATEWAY_TIMEOUT', 'WhatsApp did not answer in time');
      throw AppError.unavailable('WhatsApp refused the pairing-code request');
    }
  }

  async restart(auth: AuthContext, id: string): Promise<SessionEntity> {
    const row = await this.get(auth, id);
    if (row.status === 'logged_out') throw AppError.conflict('The session is logged out: link it again with a new session');
    const live = this.registry.get(row.id);
    if (live) await live.restart();
    else {
      // A restart is a fresh QR budget: an expired session's stored count would expire it again at its
      // first QR. Both are written with the move to connecting (one statement).
      const patch = { desiredState: 'running' as const, qrCount: 0 };
      await this.registry.start({ ...row, ...patch, status: row.status === 'init' ? 'init' : 'connecting' }, { patch });
    }
    // The row as the restart wrote it (its move to connecting), else as stored.
    return this.registry.get(row.id)?.row ?? this.get(auth, id);
  }

  async stop(auth: AuthContext, id: string): Promise<SessionEntity> {
    const row = await this.get(auth, id);
    const live = this.registry.get(row.id);
    if (live) await live.stop();
    else if (row.desiredState !== 'stopped') await this.store.update(row.id, { desiredState: 'stopped' });
    return this.get(auth, id);
  }

  async logout(auth: AuthContext, id: string): Promise<SessionEntity> {
    const row = await this.get(auth, id);
    if (row.status !== 'logged_out') await (await this.connectedOwner(row))?.logout();
    return this.get(auth, id);
  }

  /** Unlinks the device (when the session was paired), then deletes the session and all its data. */
  async delete(auth: AuthContext, id: string): Promise<void> {
    const row = await this.get(auth, id);
    const live = await this.connectedOwner(row);
    if (live?.isConnected) await live.logout();
    await this.registry.remove(row);
  }

  /**
   * The live owner of a session, connected first when it is paired but stopped: unlinking the
   * device from the phone needs a connection. Undefined for a session that never paired.
   */
  private async connectedOwner(row: SessionEntity): Promise<LiveSession | undefined> {
    const live = this.registry.get(row.id);
    if (live || !row.pairedAt || FINAL_STATUSES.includes(row.status)) return live;
    const connected = new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.config.whatsapp.requestTimeoutMs);
      const off = this.events.onCommit('session.status.changed', (e) => {
        if (e.sessionId === row.id && (e.payload.status === 'connected' || FINAL_STATUSES.includes(e.payload.status))) done();
      });
      function done(): void {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
    const started = await this.registry.start(row).catch(() => undefined);
    await connected;
    return started;
  }

  /** An onboarding whose SSE client left before the scan: end it and leave nothing behind. */
  async cancelPending(sessionId: string): Promise<void> {
    const row = await this.store.findById(sessionId);
    if (row && !row.pairedAt) await this.registry.remove(row);
  }

  async getDownloadMedia(auth: AuthContext): Promise<boolean> {
    return this.store.downloadMedia(auth.tenantId, this.config.whatsapp.downloadMedia);
  }

  async setDownloadMedia(auth: AuthContext, enabled: boolean): Promise<boolean> {
    await this.store.setDownloadMedia(auth.tenantId, enabled);
    return enabled;
  }
}

function notConnected(status: string): AppError {
  return new AppError(HttpStatus.CONFLICT, 'SESSION_NOT_CONNECTED', `The session is not connected (status: ${status})`, { status });
}

function notAwaiting(status: string): AppError {
  return AppError.conflict(`The session is not waiting for a scan (status: ${status})`, { status });
}
