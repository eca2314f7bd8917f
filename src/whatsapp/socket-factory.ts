/**
 * The only place a Baileys socket is made: browser name, QR lifetime, our logger at warn, the
 * server URL (WA_SERVER_URL or the sandbox simulator), and the WhatsApp Web version announced.
 * It also picks the XEdDSA implementation (WA_NATIVE_CRYPTO, see native-curve.ts) for every socket,
 * parses group members' sender-key records without a JSON reviver (sender-key-records.ts),
 * sets the Noise certificate root it trusts (WhatsApp's, WA_TRUSTED_ROOT_PUBLIC_KEY or the sandbox's,
 * see noise-trust.ts) and keeps libsignal's console output (key material) off stdout (signal-console.ts).
 * The version comes from WaVersionService (wa-version.ts); each session's proxy (proxy-agents.ts)
 * carries its socket, its media uploads and downloads, and is kept here for other fetches on the
 * session's behalf (`proxyOf`).
 */
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Agent as HttpsAgent } from 'node:https';
import NodeCache from '@cacheable/node-cache';
import { LRUCache } from 'lru-cache';
import makeWASocket, { type BinaryNode, type CacheStore } from '@whiskeysockets/baileys';
import { decodeRaw } from './message-translator.js';
import { useFastSenderKeyRecords } from './sender-key-records.js';
import { BarrierClosed, WriteBarrier, gateFrames, type GatedSocket } from './write-barrier.js';
import { toGroupMetadata } from './group-translator.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { BaileysLogger } from './baileys-logger.js';
import { InboundJournal } from './inbound-journal.js';
import { useNativeCurve } from './native-curve.js';
import { trustNoiseRoot, WHATSAPP_ROOT_PUBLIC_KEY } from './noise-trust.js';
import { PostgresAuthStateRepository, type WriteFence } from './postgres-auth-state.js';
import { PreKeyPrefetch } from './prekey-prefetch.js';
import { proxyCaList, SessionProxy } from './proxy-agents.js';
import { parseProxyUrl } from './proxy-url.js';
import { formatVersion, WaVersionService } from './wa-version.js';
import { serializeSignalTransactions } from './signal-transactions.js';
import { guardSignalConsole } from './signal-console.js';
import { installSafeTrialDecryption } from '../common/signal-trial-decryption.js';
import { WhatsAppConnection, type ConnectionHandlers } from './whatsapp-connection.js';

/** How sockets (and the product's own media downloads) trust a media host with its own CA (sandbox mode). */
export interface MediaTrustOptions {
  /** Baileys' `fetchAgent`: media uploads. */
  fetchAgent: HttpsAgent;
  /** fetch's dispatcher: Baileys' `options.dispatcher` and `downloadMediaMessage(msg, type, { options: { dispatcher } })`. */
  dispatcher: NonNullable<RequestInit['dispatcher']>;
  /** The media host's CA (PEM), for proxied connections to it. */
  ca?: string;
}

export interface ConnectOptions {
  /** The session's own proxy URL (credentials included); unset: WA_PROXY_URL, if any. */
  proxyUrl?: string | null;
}

@Injectable()
export class WhatsAppSocketFactory implements OnApplicationShutdown {
  private readonly logger: AppLogger;
  private serverUrl?: string;
  /** The proxy of each session's current socket (replaced at every connect). */
  private readonly proxies = new Map<string, SessionProxy>();
  /**
   * Proxies by URL for media downloads of sessions without a socket here (a download job run by
   * another node than the owner, or before the session reconnected after a boot).
   */
  private readonly standbyProxies = new LRUCache<string, SessionProxy>({ max: 100, dispose: (proxy) => proxy.close() });
  /** Retry counters per session, kept across socket restarts (no decrypt/encrypt loop on reconnect). */
  private readonly retryCounters = new Map<string, NodeCache<number>>();
  private mediaTrust?: MediaTrustOptions;
  /** The CAs an HTTPS proxy's certificate may chain to (WA_PROXY_CA_FILE added to Node's); Node's alone without it. */
  private readonly proxyCa: string[] | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly authState: PostgresAuthStateRepository,
    private readonly journal: InboundJournal,
    private readonly preKeys: PreKeyPrefetch,
    private readonly versions: WaVersionService,
  ) {
    this.logger = logger.child({ module: 'whatsapp' });
    this.serverUrl = config.whatsapp.serverUrl;
    this.proxyCa = proxyCaList(config.whatsapp.proxyCa);
    useNativeCurve(config.whatsapp.nativeCrypto);
    useFastSenderKeyRecords();
    if (config.whatsapp.trustedRootPublicKey) this.useTrustedRoot(config.whatsapp.trustedRootPublicKey, 'WA_TRUSTED_ROOT_PUBLIC_KEY');
    else trustNoiseRoot(WHATSAPP_ROOT_PUBLIC_KEY);
    // libsignal prints sessions (private keys included) to the console: never to stdout.
    guardSignalConsole(this.logger);
    // A failed trial decryption must not damage the session it tried (issue 32).
    installSafeTrialDecryption();
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

  /**
   * Options for the product's own `downloadMediaMessage` calls of a session, trusting the sandbox
   * media host: through the proxy of its socket here (`stored` undefined: the session is connected
   * here), else through its stored proxy (`stored.proxyUrl`) or WA_PROXY_URL; `{}` without any.
   */
  mediaDownloadOptions(sessionId: string, stored?: { proxyUrl: string | null }): { options?: RequestInit } {
    const live = stored ? undefined : this.proxies.get(sessionId);
    const dispatcher = live?.dispatcher ?? this.standbyProxy(stored?.proxyUrl ?? this.config.whatsapp.proxyUrl)?.dispatcher ?? this.mediaTrust?.dispatcher;
    return dispatcher ? { options: { dispatcher: dispatcher as unknown as NonNullable<RequestInit['dispatcher']> } } : {};
  }

  private standbyProxy(raw: string | null | undefined): SessionProxy | undefined {
    if (!raw) return undefined;
    let proxy = this.standbyProxies.get(raw);
    if (!proxy) {
      const url = parseProxyUrl(raw);
      if (typeof url === 'string') throw new Error(`the session's proxy is not valid: ${url}`);
      proxy = this.newProxy(url);
      this.standbyProxies.set(raw, proxy);
    }
    return proxy;
  }

  /**
   * The proxy a session's socket uses (its own or WA_PROXY_URL), for any HTTP fetch made on its
   * behalf: `fetch(url, { dispatcher: proxyOf(id).dispatcher })` (undici), or `agent` for
   * `http(s).request`. Undefined when the session connects directly. Link previews fetch through
   * it (src/chats/link-preview.service.ts).
   */
  proxyOf(sessionId: string): SessionProxy | undefined {
    return this.proxies.get(sessionId);
  }

  /**
   * Before the reconnect after a 405: true when there is another WhatsApp Web version to announce
   * than `announced`, the one refused (read again if need be, wa-version.ts).
   */
  hasNewerVersionThan(announced: string): Promise<boolean> {
    return this.versions.afterRejection(announced);
  }

  /** `fence` guards the socket's credential and key writes (cluster mode: the owner's lease). */
  async connect(sessionId: string, handlers: ConnectionHandlers, fence?: WriteFence, options: ConnectOptions = {}): Promise<WhatsAppConnection> {
    const version = await this.versions.ready();
    const proxy = this.useProxy(sessionId, options.proxyUrl ?? this.config.whatsapp.proxyUrl);
    const startedAt = Date.now();
    // The socket's key and journal writes are write-behind; its frames wait for them (write-barrier.ts).
    const barrier = new WriteBarrier();
    const auth = await this.authState.load(sessionId, fence, barrier);
    await this.preKeys.beforeConnect(sessionId, auth);
    // Baileys is chatty: its logs reach ours at warn and above (or the app's level, if stricter).
    const logger = this.logger.child({ sessionId }, { level: this.logger.levelVal > 40 ? this.logger.level : 'warn' });
    const cfg = this.config.whatsapp;
    const journal = this.journal.forSession(sessionId, barrier);
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
      version,
      ...(this.mediaTrust ? { fetchAgent: this.mediaTrust.fetchAgent, options: { dispatcher: this.mediaTrust.dispatcher } } : {}),
      ...(proxy
        ? { agent: proxy.wsAgent as HttpsAgent, fetchAgent: proxy.uploadAgent as HttpsAgent, options: { dispatcher: proxy.dispatcher as unknown as NonNullable<RequestInit['dispatcher']> } }
        : {}),
      defaultQueryTimeoutMs: cfg.requestTimeoutMs,
      connectTimeoutMs: cfg.requestTimeoutMs,
      markOnlineOnConnect: false,
      syncFullHistory: false,
      generateHighQualityLinkPreview: false,
      // Ours is the only store: retry receipts are answered from it, never with a placeholder.
      enableRecentMessageCache: false,
      msgRetryCounterCache: this.retryCounterOf(sessionId) as unknown as CacheStore,
      // Served from the group store (memory, then Postgres): a group send never asks WhatsApp for it.
      cachedGroupMetadata: async (jid) => {
        const group = await handlers.groups?.cached(jid);
        return group ? toGroupMetadata(group) : undefined;
      },
      getMessage: async (key) => {
        if (!key.remoteJid || !key.id) return undefined;
        const raw = await handlers.conversations.rawMessage(key.remoteJid, key.id);
        return raw ? (decodeRaw(raw).message ?? undefined) : undefined;
      },
    });
    socket.ws.on('CB:message', (stanza: BinaryNode) => journal.track(stanza));
    // Baileys' client wraps a `ws` WebSocket made in makeWASocket, before any frame is sent.
    const gate = gateFrames((socket.ws as unknown as { socket: GatedSocket }).socket, barrier);
    barrier.onFailure((err) => {
      if (!(err instanceof BarrierClosed)) logger.warn({ err }, 'a Signal key or journal write failed: the socket is closed before it acknowledges anything more');
    });
    const proxyFailure = proxy ? () => proxy.failureSince(startedAt) : undefined;
    return new WhatsAppConnection(socket, auth, handlers, logger, cfg.requestTimeoutMs, journal, { version: formatVersion(version), proxyFailure, framesSent: gate.flushed });
  }

  /** The session's proxy for this connect, the previous one closed; undefined without one. */
  private useProxy(sessionId: string, raw: string | null | undefined): SessionProxy | undefined {
    this.proxies.get(sessionId)?.close();
    this.proxies.delete(sessionId);
    if (!raw) return undefined;
    const url = parseProxyUrl(raw);
    // Validated on the way in (API, config): a value that does not parse is refused, never ignored.
    if (typeof url === 'string') throw new Error(`the session's proxy is not valid: ${url}`);
    const proxy = this.newProxy(url);
    this.proxies.set(sessionId, proxy);
    return proxy;
  }

  /** A proxy's agents, trusting the sandbox media host at the far end and WA_PROXY_CA_FILE for an HTTPS proxy. */
  private newProxy(url: URL): SessionProxy {
    return new SessionProxy(url, this.mediaTrust ? { ca: this.mediaTrust.ca } : {}, this.proxyCa);
  }

  onApplicationShutdown(): void {
    for (const proxy of this.proxies.values()) proxy.close();
    this.proxies.clear();
    this.standbyProxies.clear();
    for (const cache of this.retryCounters.values()) cache.close();
    this.retryCounters.clear();
  }

  /** Forgets a session's retry counters (the session ended for good). */
  forget(sessionId: string): void {
    this.proxies.get(sessionId)?.close();
    this.proxies.delete(sessionId);
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
