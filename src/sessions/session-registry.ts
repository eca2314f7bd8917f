/**
 * The live sessions of this process, one owner object each. Restores paired sessions and API-created
 * ones waiting for a scan at boot (bounded concurrency), removes SSE onboardings whose client went
 * with the old process, and closes every socket
 * without logging out on shutdown.
 */
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import PQueue from 'p-queue';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { DomainEvents } from '../events/domain-events.js';
import type { ConversationStorePort } from '../whatsapp/conversation-types.js';
import type { GroupStorePort } from '../whatsapp/group-types.js';
import { PostgresAuthStateRepository } from '../whatsapp/postgres-auth-state.js';
import { WhatsAppSocketFactory } from '../whatsapp/socket-factory.js';
import { LiveSession } from './live-session.js';
import type { ChatStatePort, LiveSessionDeps } from './live-session-deps.js';
import { OwnedElsewhereError, type SessionOwnership } from './session-ownership.js';
import type { SessionEntity } from './session.entity.js';
import { SessionStore, type SessionPatch } from './session-store.js';

export interface StartOptions {
  isNew?: boolean;
  prepare?: () => Promise<SessionEntity | null>;
  patch?: SessionPatch;
}

@Injectable()
export class SessionRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly live = new Map<string, LiveSession>();
  private readonly deps: LiveSessionDeps;
  private readonly logger: AppLogger;
  private restoring?: Promise<void>;
  private shuttingDown = false;
  private conversations?: ConversationStorePort;
  private groups?: GroupStorePort;
  private chatStates?: ChatStatePort;
  /** Cluster mode: leases decide what runs here, and the cluster's reconciler places sessions. */
  private ownership?: SessionOwnership;
  private readonly starting = new Map<string, Promise<LiveSession>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly store: SessionStore,
    private readonly authState: PostgresAuthStateRepository,
    factory: WhatsAppSocketFactory,
    events: DomainEvents,
  ) {
    this.logger = logger.child({ module: 'sessions' });
    this.deps = {
      config: config.whatsapp,
      store,
      conversations: () => {
        if (!this.conversations) throw new Error('no conversation store registered');
        return this.conversations;
      },
      groups: () => this.groups,
      chatStates: () => this.chatStates,
      authState,
      factory,
      events,
      logger: this.logger,
      onEnded: (session) => {
        if (this.live.get(session.id) !== session) return;
        this.live.delete(session.id);
        this.ownership?.release(session.id).catch((err: unknown) => this.logger.warn({ err, sessionId: session.id }, 'could not release a lease'));
      },
    };
  }

  /** The chats module registers its store here at init (sessions never import chats). */
  useConversationStore(store: ConversationStorePort): void {
    this.conversations = store;
  }

  /** The groups module registers its store here at init (sessions never import groups). */
  useGroupStore(store: GroupStorePort): void {
    this.groups = store;
  }

  /** The chat-actions module registers here where app-state chat changes (archive, pin, mute...) go. */
  useChatStateStore(store: ChatStatePort): void {
    this.chatStates = store;
  }

  /** Cluster mode (src/cluster): claims gate every start, and boot restores nothing by itself. */
  useOwnership(ownership: SessionOwnership): void {
    this.ownership = ownership;
  }

  get(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * Starts (or returns) the live owner of a session row. `isNew` skips looking for credentials;
   * `prepare` runs once the session is claimed; `patch` is written with its move to connecting.
   */
  async start(row: SessionEntity, options: StartOptions = {}): Promise<LiveSession> {
    const existing = this.live.get(row.id);
    if (existing && !existing.isEnded) return existing;
    if (this.shuttingDown) throw new Error('shutting down');
    // One claim per start: a second concurrent start of the same session waits for the first.
    const pending = this.starting.get(row.id);
    if (pending) return pending;
    const started = this.startNew(row, options).finally(() => this.starting.delete(row.id));
    this.starting.set(row.id, started);
    return started;
  }

  /** Claims first (cluster mode), then `prepare` (a fresh QR flow wipes old credentials), then connects. */
  private async startNew(initial: SessionEntity, { isNew = false, prepare, patch }: StartOptions): Promise<LiveSession> {
    const fence = this.ownership ? await this.ownership.claim(initial.id) : undefined;
    if (fence === null) throw new OwnedElsewhereError(initial.id);
    const row = prepare ? await prepare() : initial;
    if (!row) {
      await this.ownership?.release(initial.id);
      throw new Error('the session was deleted meanwhile');
    }
    // A row that records its pairing is paired (as restore() reads it); otherwise the credentials tell.
    const registered = isNew ? false : Boolean(row.pairedAt) || (await this.authState.hasCredentials(row.id));
    const session = new LiveSession(row, registered, this.deps, fence);
    this.live.set(row.id, session);
    await session.start(patch);
    return session;
  }

  /**
   * Self-fencing (cluster mode): this node lost the session's lease, so its socket closes at once
   * and nothing more is written for it here; the status row is the new owner's to change.
   */
  async fence(id: string): Promise<void> {
    const session = this.live.get(id);
    if (!session) return;
    this.live.delete(id);
    await session.shutdown();
  }

  /** Ends the live owner (if any) and deletes the session with all its data. */
  async remove(row: SessionEntity): Promise<void> {
    const session = this.live.get(row.id);
    this.live.delete(row.id);
    await session?.shutdown();
    this.deps.factory.forget(row.id);
    await this.store.deleteWithData(row, async (tx) => {
      await this.authState.wipe(row.id, tx.manager);
      await this.deps.conversations().wipe(tx.manager, row.id);
      await this.groups?.wipe(tx.manager, row.id);
    });
  }

  onApplicationBootstrap(): void {
    if (this.ownership) return;
    // In the background: the HTTP server starts at once, sessions come back as they log in.
    this.restoring = this.restoreAll().catch((err: unknown) => this.logger.error({ err }, 'restoring sessions failed'));
  }

  /** Resolves when the boot-time restore has finished (tests, benchmarks). */
  whenRestored(): Promise<void> {
    return this.restoring ?? Promise.resolve();
  }

  /** How many live sessions the shutdown closed (for the shutdown log line). */
  closedOnShutdown = 0;

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.ownership?.leaving();
    this.closedOnShutdown = this.live.size;
    // Sockets close first; only then is a lease given up (never two live sockets for one account).
    await Promise.allSettled([...this.live.values()].map(async (s) => {
      await s.shutdown();
      await this.ownership?.release(s.id);
    }));
    this.live.clear();
  }

  /**
   * An API-created session that was waiting for a scan: a fresh QR flow with what is left of its QR
   * budget (expired at once when it is spent), from clean credentials.
   */
  private async startWaiting(row: SessionEntity): Promise<void> {
    await this.start(row, {
      isNew: true,
      prepare: async () => {
        await this.authState.wipe(row.id);
        // The QR the old process showed died with its socket.
        return this.store.update(row.id, { qrDataUrl: null, qrText: null, qrExpiresAt: null });
      },
    });
  }

  private async restoreAll(): Promise<void> {
    const waiting: SessionEntity[] = [];
    for (const row of await this.store.findUnpaired()) {
      if (row.origin === 'api') {
        if (row.desiredState === 'running') waiting.push(row);
        continue;
      }
      await this.remove(row);
      this.logger.info({ sessionId: row.id }, 'removed an SSE onboarding left unfinished');
    }
    const rows = [...(await this.store.findRestorable()), ...waiting];
    if (rows.length === 0) return;
    this.logger.info({ count: rows.length }, 'restoring sessions');
    const queue = new PQueue({ concurrency: this.config.whatsapp.restoreConcurrency });
    for (const row of rows) {
      void queue.add(async () => {
        if (this.shuttingDown) return;
        await this.restore(row).catch((err: unknown) => this.logger.error({ err, sessionId: row.id }, 'could not restore a session'));
      });
    }
    await queue.onIdle();
  }

  /**
   * Brings back a session no process runs (boot, or a cluster takeover): a paired one logs in
   * again, an API-created one waiting for a scan gets a fresh QR flow.
   */
  async restore(row: SessionEntity): Promise<void> {
    // Credentials that carry the account were paired, even when a crash between the scan and the
    // 515 reconnect kept the row from learning it: restore them, never wipe them.
    const paired = row.pairedAt || row.status === 'connected' || (await this.authState.hasCredentials(row.id));
    if (paired) await this.start(row);
    else await this.startWaiting(row);
  }
}
