/**
 * The owner of one live WhatsApp session: its socket, timers, budgets and status. Every command
 * (stop, restart, logout) and every Baileys event goes through one per-session lock, so the
 * lifecycle is a sequence of whole steps, never interleaved.
 */
import { Mutex } from 'async-mutex';
import { inSessionLane } from '../database/connection-lanes.js';
import type { AppLogger } from '../common/logger.js';
import type { EventTransaction } from '../events/domain-events.js';
import type { DomainEventType, SessionStatus } from '../events/event-map.js';
import type { WhatsAppCommands } from '../whatsapp/whatsapp-commands.js';
import type { GroupCommands } from '../whatsapp/group-commands.js';
import type { AccountCommands } from '../whatsapp/account-commands.js';
import type { AccountInfo } from '../whatsapp/event-translator.js';
import type { WriteFence } from '../whatsapp/postgres-auth-state.js';
import type { CloseInfo, ConnectionHandlers, WhatsAppConnection } from '../whatsapp/whatsapp-connection.js';
import { dataHandlers, type LiveSessionDeps } from './live-session-deps.js';
import { qrDataUrl } from './qr-image.js';
import { NotAwaitingScanError, SessionNotConnectedError } from './session-errors.js';
import { decideOnClose, reasonForCode } from './reconnect-policy.js';
import type { SessionEntity } from './session.entity.js';
import type { SessionPatch } from './session-store.js';

interface TransitionInfo {
  reason?: string | null;
  statusCode?: number | null;
  message?: string | null;
  willReconnect?: boolean;
  /** Wipe credentials and messages in the same transaction (logout). */
  wipe?: boolean;
  newlyPaired?: boolean;
  /** Emit the status event even though the status stays (a profile name that came later). */
  announce?: boolean;
  also?: (tx: EventTransaction, row: SessionEntity) => Promise<void>;
  /** `also` only emits events of these types (it writes nothing itself). */
  alsoEmits?: readonly DomainEventType[];
}

const DISCONNECTED_LIKE: readonly SessionStatus[] = ['disconnected', 'expired', 'logged_out', 'error'];

export class LiveSession {
  readonly id: string;
  readonly tenantId: string;
  status: SessionStatus;
  private readonly lock = new Mutex();
  private connection?: WhatsAppConnection;
  private registered: boolean;
  /** The row as this session last wrote it. */
  private latest?: SessionEntity;
  /** Whether the session ever reached `connected` (the first time is the newly paired account). */
  private everConnected: boolean;
  private qrCount = 0;
  private attempts = 0;
  private ended = false;
  private reconnectTimer?: NodeJS.Timeout;
  private qrBudgetTimer?: NodeJS.Timeout;
  private readonly log: AppLogger;
  private readonly handlers: ConnectionHandlers;
  /** The row the session was started with (its proxy, before any write here). */
  private readonly initialRow: SessionEntity;

  /** `fence`: the guard of its credential writes in cluster mode (none on a single node). */
  constructor(row: SessionEntity, registered: boolean, private readonly deps: LiveSessionDeps, private readonly fence?: WriteFence) {
    this.id = row.id;
    this.initialRow = row;
    this.tenantId = row.tenantId;
    this.status = row.status;
    this.registered = registered;
    this.everConnected = Boolean(row.connectedAt);
    this.qrCount = row.qrCount;
    this.log = deps.logger.child({ sessionId: row.id, tenantId: row.tenantId });
    const locked = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => this.lock.runExclusive(() => fn.apply(this, args));
    const ctx = { sessionId: row.id, tenantId: row.tenantId, sessionPhone: () => this.connection?.account.phone ?? null };
    this.handlers = {
      onQr: locked(this.handleQr),
      onPaired: locked(this.handlePaired),
      onOpen: locked(this.handleOpen),
      onProfileName: locked(this.handleProfileName),
      onClose: locked(this.handleClose),
      ...dataHandlers(deps, ctx, this.log),
    };
  }

  get isConnected(): boolean {
    return this.status === 'connected' && this.connection !== undefined;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The session's row as its last write here returned it (undefined before the first). */
  get row(): SessionEntity | undefined {
    return this.latest;
  }

  /** Whether the account is paired (it can log in again anywhere with its stored credentials). */
  get isPaired(): boolean {
    return this.registered;
  }

  /** Connects; `patch` is written with the move to connecting. */
  start(patch?: SessionPatch): Promise<void> {
    return this.lock.runExclusive(() => this.connect(patch));
  }

  async sendText(jid: string, text: string): Promise<{ id: string; timestamp: number }> {
    return this.connected().sendText(jid, text);
  }

  /** The socket, when the session is connected; throws SessionNotConnectedError otherwise. */
  private connected(): WhatsAppConnection {
    const connection = this.connection;
    if (!connection || this.status !== 'connected') throw new SessionNotConnectedError(this.status);
    return connection;
  }

  /** Conversation commands of the connected socket; throws when the session is not connected. */
  get commands(): WhatsAppCommands {
    return this.connected().commands;
  }

  /** Group commands of the connected socket; throws when the session is not connected. */
  get groupCommands(): GroupCommands {
    return this.connected().groups;
  }

  /** Account commands (number checks, profiles, blocklist) of the connected socket; throws when not connected. */
  get accountCommands(): AccountCommands {
    return this.connected().accountCommands;
  }

  /** The account's own phone number (digits), when connected. */
  get ownPhone(): string | null {
    return this.connection?.account.phone ?? null;
  }

  /** Disconnects and keeps the credentials; not restored at boot until restarted. */
  stop(): Promise<void> {
    return this.lock.runExclusive(async () => {
      this.release();
      await this.transition('disconnected', { desiredState: 'stopped', disconnectedAt: new Date(), disconnectedReason: 'stopped' }, { reason: 'stopped' });
      this.end();
    });
  }

  restart(): Promise<void> {
    return this.lock.runExclusive(async () => {
      this.release();
      this.ended = false;
      this.attempts = 0;
      this.qrCount = 0;
      await this.connect({ desiredState: 'running' });
    });
  }

  /** Unlinks the device from the phone and wipes the session's data. */
  logout(): Promise<void> {
    return this.lock.runExclusive(async () => {
      const connection = this.connection;
      this.clearTimers();
      this.connection = undefined;
      if (connection && this.status === 'connected') {
        await connection.logout().catch((err: unknown) => this.log.warn({ err }, 'logout request failed; wiping locally'));
      }
      connection?.end();
      await this.transition('logged_out', { disconnectedAt: new Date(), disconnectedReason: 'logout', ...clearedAccount() }, { reason: 'logout', statusCode: 401, wipe: true });
      this.end();
    });
  }

  /**
   * Asks WhatsApp for a pairing code (the phone enters it in place of scanning), only while the
   * session waits for a scan. Not under the lock: the request's own Baileys events need it.
   */
  async requestPairingCode(phoneNumber: string): Promise<string> {
    const connection = this.connection;
    if (!connection || this.status !== 'qr_required') throw new NotAwaitingScanError(this.status);
    const code = await connection.requestPairingCode(phoneNumber);
    await this.deps.events.transaction((tx) => tx.emit('session.pairing-code', this.id, { tenantId: this.tenantId, code, phoneNumber }));
    return code;
  }

  /** Process shutdown: close the socket without logging out or changing the stored status. */
  async shutdown(): Promise<void> {
    this.ended = true;
    const connection = this.connection;
    this.release();
    if (connection) await Promise.race([connection.drain(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  // --- Baileys events (always under the lock) ---

  private async handleQr(qr: string): Promise<void> {
    if (this.ended) return;
    if (this.qrCount >= this.deps.config.maxQrGeneration) return this.expire();
    this.qrCount += 1;
    const attempt = this.qrCount;
    const dataUrl = await qrDataUrl(qr);
    const expiresAt = new Date(Date.now() + this.deps.config.qrTimeoutMs);
    await this.transition('qr_required', { qrDataUrl: dataUrl, qrText: qr, qrExpiresAt: expiresAt, qrCount: attempt }, {
      also: async (tx) => {
        await tx.emit('session.qr.updated', this.id, { tenantId: this.tenantId, qr: dataUrl, qrText: qr, expiresAt: expiresAt.toISOString(), attempt });
      },
      alsoEmits: ['session.qr.updated'],
    });
    if (attempt >= this.deps.config.maxQrGeneration) {
      clearTimeout(this.qrBudgetTimer);
      this.qrBudgetTimer = setTimeout(() => {
        void this.lock.runExclusive(async () => {
          if (!this.registered && !this.ended) await this.expire();
        });
      }, this.deps.config.qrTimeoutMs);
    }
  }

  private async handlePaired(account: AccountInfo): Promise<void> {
    this.registered = true;
    clearTimeout(this.qrBudgetTimer);
    await this.transition('connecting', { ...accountPatch(account), pairedAt: new Date(), qrDataUrl: null, qrText: null, qrExpiresAt: null }, { reason: 'paired' });
  }

  private async handleOpen(account: AccountInfo): Promise<void> {
    this.attempts = 0;
    const newlyPaired = !this.everConnected;
    this.everConnected = true;
    await this.transition('connected', { ...accountPatch(account), connectedAt: new Date(), disconnectedReason: null, lastStatusCode: null, qrDataUrl: null, qrText: null, qrExpiresAt: null }, { newlyPaired });
  }

  /** The push name arrived (after `open`, usually): kept on the row; a connected session announces it. */
  private async handleProfileName(account: AccountInfo): Promise<void> {
    if (this.ended) return;
    if (this.status !== 'connected') {
      await this.save({ deviceName: account.deviceName });
      return;
    }
    await this.transition('connected', { deviceName: account.deviceName }, { reason: 'profile_name', announce: true });
  }

  private async handleClose(close: CloseInfo): Promise<void> {
    this.connection = undefined;
    if (this.ended) return;
    // WhatsApp refuses the version announced: read the current one before the reconnect (wa-version.ts).
    const versionChanged = close.statusCode === 405 && close.version ? await this.deps.factory.hasNewerVersionThan(close.version) : false;
    const action = decideOnClose({
      versionChanged,
      statusCode: close.statusCode,
      registered: this.registered,
      attempts: this.attempts,
      maxRetries: this.deps.config.maxReconnectRetries,
      qrCount: this.qrCount,
      maxQr: this.deps.config.maxQrGeneration,
      baseDelayMs: this.deps.config.reconnectBaseDelayMs,
      random: Math.random(),
    });
    const reason = close.proxyError ? 'proxy_error' : reasonForCode(close.statusCode);
    const closed = { disconnectedAt: close.date, disconnectedReason: reason, lastStatusCode: close.statusCode };
    const info = { reason, statusCode: close.statusCode, message: close.message };
    this.log.info({ statusCode: close.statusCode, reason, action: action.kind, ...(close.proxyError ? { proxyError: close.proxyError } : {}) }, 'WhatsApp connection closed');
    switch (action.kind) {
      case 'reconnect-now':
        await this.transition('disconnected', closed, { ...info, willReconnect: true });
        return this.connect();
      case 'reconnect':
        this.attempts = action.attempt;
        await this.transition('disconnected', closed, { ...info, willReconnect: true });
        this.reconnectTimer = setTimeout(() => {
          void this.lock.runExclusive(() => this.connect());
        }, action.delayMs);
        return;
      case 'logged-out':
        await this.transition('logged_out', { ...closed, ...clearedAccount() }, { ...info, reason: 'logged_out', wipe: true });
        return this.end();
      case 'expired':
        return this.expire();
      case 'give-up':
        // A proxy that keeps refusing stays the reason: it is what the user has to fix.
        if (close.proxyError) await this.transition('error', closed, info);
        else await this.transition('error', { ...closed, disconnectedReason: 'max_retries_reached' }, { ...info, reason: 'max_retries_reached' });
        return this.end();
    }
  }

  // --- steps ---

  /** Opens a socket; `patch` is written with the move to connecting (one statement). */
  private async connect(patch: SessionPatch = {}): Promise<void> {
    if (this.ended) return;
    this.clearTimers();
    if (this.status !== 'init') await this.transition('connecting', patch, {});
    else if (Object.keys(patch).length > 0) await this.save(patch);
    try {
      // The socket and every callback it sets off write in the session lane (database/connection-lanes.ts).
      const proxyUrl = (this.latest ?? this.initialRow).proxyUrl;
      this.connection = await inSessionLane(() => this.deps.factory.connect(this.id, this.handlers, this.fence, { proxyUrl }));
    } catch (err) {
      this.log.error({ err }, 'could not open a WhatsApp socket');
      this.reconnectTimer = setTimeout(() => {
        void this.handlers.onClose({ statusCode: 503, message: 'Could not open a socket', date: new Date() });
      }, 0);
    }
  }

  private async expire(): Promise<void> {
    await this.transition('expired', { disconnectedAt: new Date(), disconnectedReason: 'qr_expired', qrDataUrl: null, qrText: null, qrExpiresAt: null }, { reason: 'qr_expired' });
    this.end();
  }

  private async transition(status: SessionStatus, patch: SessionPatch, info: TransitionInfo): Promise<void> {
    const previousStatus = this.status;
    try {
      // The UPDATE alone, unless a wipe or `also` writes more (DomainEvents.transaction decides).
      const alone = info.wipe || (info.also && !info.alsoEmits) ? undefined : [...STATUS_EVENTS, ...(info.alsoEmits ?? [])];
      await this.deps.store.update(this.id, { status, ...patch }, async (tx, row) => {
        this.latest = row;
        if (info.wipe) {
          await this.deps.authState.wipe(this.id, tx.manager);
          await this.deps.conversations().wipe(tx.manager, this.id);
          await this.deps.groups()?.wipe(tx.manager, this.id);
        }
        if (info.also) await info.also(tx, row);
        if (status === previousStatus && !info.announce) return;
        const now = new Date().toISOString();
        await tx.emit('session.status.changed', this.id, {
          tenantId: this.tenantId,
          status,
          previousStatus,
          reason: info.reason ?? null,
          statusCode: info.statusCode ?? null,
          message: info.message ?? null,
          phone: row.phone,
          deviceName: row.deviceName,
          accountType: row.accountType,
          whatsappUserId: row.whatsappUserId,
          newlyPaired: info.newlyPaired ?? false,
          willReconnect: info.willReconnect ?? false,
          sessionCreatedAt: row.createdAt.toISOString(),
        });
        if (status === 'connected' && previousStatus !== 'connected') {
          await tx.emit('session.status.connected', this.id, { tenantId: this.tenantId, phone: row.phone, connectedAt: now });
        } else if (DISCONNECTED_LIKE.includes(status) && !DISCONNECTED_LIKE.includes(previousStatus)) {
          await tx.emit('session.status.disconnected', this.id, { tenantId: this.tenantId, reason: info.reason ?? null, disconnectedAt: now });
        }
        // Set before the commit publishes the events (a client reacting to them sees it), undone below if the commit fails.
        this.status = status;
      }, alone);
    } catch (err) {
      // Memory never claims a status the database does not have.
      this.status = previousStatus;
      throw err;
    }
  }

  /** A write of the row alone (no status change, no event). */
  private async save(patch: SessionPatch): Promise<void> {
    this.latest = (await this.deps.store.update(this.id, patch)) ?? this.latest;
  }

  private clearTimers(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.qrBudgetTimer);
    this.reconnectTimer = undefined;
    this.qrBudgetTimer = undefined;
  }

  /** Drops the socket and timers; the session stays in the registry. */
  private release(): void {
    this.clearTimers();
    this.connection?.end();
    this.connection = undefined;
  }

  private end(): void {
    this.release();
    if (this.ended) return;
    this.ended = true;
    this.deps.onEnded(this);
  }
}

/** What a status transition may emit. */
const STATUS_EVENTS = ['session.status.changed', 'session.status.connected', 'session.status.disconnected'] as const;

function accountPatch(account: AccountInfo): SessionPatch {
  return {
    phone: account.phone,
    whatsappUserId: account.whatsappUserId,
    lid: account.lid,
    deviceName: account.deviceName,
    accountType: account.accountType,
    platform: account.platform,
  };
}

function clearedAccount(): SessionPatch {
  return { qrDataUrl: null, qrText: null, qrExpiresAt: null };
}

