/**
 * The only place a Baileys socket is made: browser name, QR lifetime, our logger at warn, the
 * server URL (WA_SERVER_URL or the sandbox simulator), and the WhatsApp Web version announced.
 * It also picks the XEdDSA implementation (WA_NATIVE_CRYPTO, see native-curve.ts) for every socket,
 * sets the Noise certificate root it trusts (WhatsApp's, WA_TRUSTED_ROOT_PUBLIC_KEY or the sandbox's,
 * see noise-trust.ts) and keeps libsignal's console output (key material) off stdout (signal-console.ts).
 */
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Agent as HttpsAgent } from 'node:https';
import NodeCache from '@cacheable/node-cache';
import makeWASocket, { fetchLatestWaWebVersion, type BinaryNode, type CacheStore, type WAVersion } from '@whiskeysockets/baileys';
import { decodeRaw } from './message-translator.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { BaileysLogger } from './baileys-logger.js';
import { InboundJournal } from './inbound-journal.js';
import { useNativeCurve } from './native-curve.js';
import { trustNoiseRoot, WHATSAPP_ROOT_PUBLIC_KEY } from './noise-trust.js';
import { PostgresAuthStateRepository, type WriteFence } from './postgres-auth-state.js';
import { PreKeyPrefetch } from './prekey-prefetch.js';
import { serializeSignalTransactions } from './signal-transactions.js';
import { guardSignalConsole } from './signal-console.js';
import { installSafeTrialDecryption } from '../common/signal-trial-decryption.js';
import { WhatsAppConnection, type ConnectionHandlers } from './whatsapp-connection.js';

const VERSION_FETCH_TIMEOUT_MS = 5000;

/** How sockets (and the product's own media downloads) trust a media host with its own CA (sandbox mode). */
export interface MediaTrustOptions {
  /** Baileys' `fetchAgent`: media uploads. */
  fetchAgent: HttpsAgent;
  /** fetch's dispatcher: Baileys' `options.dispatcher` and `downloadMediaMessage(msg, type, { options: { dispatcher } })`. */
  dispatcher: NonNullable<RequestInit['dispatcher']>;
}

@Injectable()
export class WhatsAppSocketFactory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: AppLogger;
  private version?: WAVersion;
  private serverUrl?: string;
  /** Retry counters per session, kept across socket restarts (no decrypt/encrypt loop on reconnect). */
  private readonly retryCounters = new Map<string, NodeCache<number>>();
  private mediaTrust?: MediaTrustOptions;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly authState: PostgresAuthStateRepository,
    private readonly journal: InboundJournal,
    private readonly preKeys: PreKeyPrefetch,
  ) {
    this.logger = logger.child({ module: 'whatsapp' });
    this.version = config.whatsapp.version;
    this.serverUrl = config.whatsapp.serverUrl;
    useNativeCurve(config.whatsapp.nativeCrypto);
    if (config.whatsapp.trustedRootPublicKey) this.useTrustedRoot(config.whatsapp.trustedRootPublicKey, 'WA_TRUSTED_ROOT_PUBLIC_KEY');
    else trustNoiseRoot(WHATSAPP_ROOT_PUBLIC_KEY);
    // libsignal prints sessions (private keys included) to the console: never to stdout.
    guardSignalConsole(this.logger);
    // A failed trial decryption must not damage the session it tried (issue 32).
    installSafeTrialDecryption();
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.whatsapp.fetchLatestVersion || this.config.whatsapp.sandbox) return;
    const latest = await fetchLatestWaWebVersion({ signal: AbortSignal.timeout(VERSION_FETCH_TIMEOUT_MS) });
    if (latest.isLatest) {
      this.version = latest.version;
      this.logger.info({ version: latest.version.join('.') }, 'using the current WhatsApp Web version');
    } else {
      this.logger.warn({ fallback: (this.version ?? latest.version).join('.') }, 'could not fetch the current WhatsApp Web version; using the fallback');
    }
  }

  /** Sandbox mode points every socket at the in-process simulator. */
  useServerUrl(url: string): void {
    this.serverUrl = url;
  }

  /**
   * The root the server's Noise certificate chain must lead to, instead of WhatsApp's (noise-trust.ts):
   * WA_TRUSTED_ROOT_PUBLIC_KEY, or the in-process simulator's in sandbox mode. Process-wide.
   */
  useTrustedRoot(publicKey: Buffer, source: string): void {
    trustNoiseRoot(publicKey);
    this.logger[source === 'sandbox' ? 'info' : 'warn']({ rootPublicKey: publicKey.toString('hex'), source }, 'trusting a Noise certificate root other than WhatsApp\'s: sessions connect only to a server certified by it');
  }

  /** Sandbox mode: sockets upload to and download from the simulator's media host, trusting its CA. */
  useMediaTrust(trust: MediaTrustOptions): void {
    this.mediaTrust = trust;
  }

  /** Options for the product's own `downloadMediaMessage` calls (`{}` outside sandbox mode). */
  get mediaDownloadOptions(): { options?: RequestInit } {
    return this.mediaTrust ? { options: { dispatcher: this.mediaTrust.dispatcher } } : {};
  }

  /** `fence` guards the socket's credential and key writes (cluster mode: the owner's lease). */
  async connect(sessionId: string, handlers: ConnectionHandlers, fence?: WriteFence): Promise<WhatsAppConnection> {
    const auth = await this.authState.load(sessionId, fence);
    await this.preKeys.beforeConnect(sessionId, auth);
    // Baileys is chatty: its logs reach ours at warn and above (or the app's level, if stricter).
    const logger = this.logger.child({ sessionId }, { level: this.logger.levelVal > 40 ? this.logger.level : 'warn' });
    const cfg = this.config.whatsapp;
    const journal = this.journal.forSession(sessionId);
    const socket = makeWASocket({
      makeSignalRepository: (signalAuth, signalLogger, pnToLid) => {
        const repository = journal.makeSignalRepository(signalAuth, signalLogger, pnToLid);
        // One key-store transaction at a time per socket, whatever Baileys labels it (issue 32).
        serializeSignalTransactions(signalAuth.keys, repository, logger);
        return repository;
      },
      auth: auth.state,
      logger: new BaileysLogger(logger),
      browser: [cfg.browserName, 'Chrome', '120.0.0'],
      qrTimeout: cfg.qrTimeoutMs,
      ...(this.serverUrl ? { waWebSocketUrl: this.serverUrl } : {}),
      ...(this.version ? { version: this.version } : {}),
      ...(this.mediaTrust ? { fetchAgent: this.mediaTrust.fetchAgent, options: { dispatcher: this.mediaTrust.dispatcher } } : {}),
      defaultQueryTimeoutMs: cfg.requestTimeoutMs,
      connectTimeoutMs: cfg.requestTimeoutMs,
      markOnlineOnConnect: false,
      syncFullHistory: false,
      generateHighQualityLinkPreview: false,
      // Ours is the only store: retry receipts are answered from it, never with a placeholder.
      enableRecentMessageCache: false,
      msgRetryCounterCache: this.retryCounterOf(sessionId) as unknown as CacheStore,
      getMessage: async (key) => {
        if (!key.remoteJid || !key.id) return undefined;
        const raw = await handlers.conversations.rawMessage(key.remoteJid, key.id);
        return raw ? (decodeRaw(raw).message ?? undefined) : undefined;
      },
    });
    socket.ws.on('CB:message', (stanza: BinaryNode) => journal.track(stanza));
    return new WhatsAppConnection(socket, auth, handlers, logger, cfg.requestTimeoutMs, journal);
  }

  onApplicationShutdown(): void {
    for (const cache of this.retryCounters.values()) cache.close();
    this.retryCounters.clear();
  }

  /** Forgets a session's retry counters (the session ended for good). */
  forget(sessionId: string): void {
    this.retryCounters.get(sessionId)?.close();
    this.retryCounters.delete(sessionId);
  }

  private retryCounterOf(sessionId: string): NodeCache<number> {
    let cache = this.retryCounters.get(sessionId);
    if (!cache) {
      cache = new NodeCache<number>({ stdTTL: 3600, checkperiod: 600, useClones: false });
      this.retryCounters.set(sessionId, cache);
    }
    return cache;
  }
}
