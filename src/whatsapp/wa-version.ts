/**
 * The WhatsApp Web version every socket announces (CONTRACT Part 3, "WhatsApp Web version").
 * WhatsApp closes a login that announces a version it no longer accepts with 405, so outside the
 * sandbox the current one is read at boot, every WA_VERSION_REFRESH_MS (6 h) and again before the
 * reconnect after a 405. The document is the one Baileys' `fetchLatestWaWebVersion` reads
 * (WhatsApp Web's service worker, `https://web.whatsapp.com/sw.js`, whose `client_revision` is the
 * third number of `2.3000.<revision>`); WA_VERSION_URL points elsewhere (a test's local server, a
 * mirror). When it cannot be read, the fallback is WA_VERSION or else the version Baileys bundles.
 * With WA_PROXY_URL set, the fetch goes through that proxy.
 */
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DEFAULT_CONNECTION_CONFIG, type WAVersion } from '@whiskeysockets/baileys';
import { Gauge } from 'prom-client';
import type { Dispatcher } from 'undici';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { proxyCaList, SessionProxy } from './proxy-agents.js';
import { parseProxyUrl } from './proxy-url.js';

/** `fetched`: read from WA_VERSION_URL; `configured`: WA_VERSION; `bundled`: Baileys' own. */
export type WaVersionSource = 'fetched' | 'configured' | 'bundled';

export interface WaVersionState {
  version: WAVersion;
  source: WaVersionSource;
  /** When it was last read successfully (fetched only). */
  fetchedAt: Date | null;
  /** Why the last read failed, if it did. */
  lastError: string | null;
}

const FETCH_TIMEOUT_MS = 5000;
/** Many sessions refused at once (a restore at boot) cause one read, not one each. */
const MIN_INTERVAL_AFTER_405_MS = 10_000;
const REVISION = /\\?"client_revision\\?":\s*(\d+)/;

/** The version a `sw.js`-shaped document announces, or undefined. */
export function versionFromDocument(text: string): WAVersion | undefined {
  const revision = REVISION.exec(text)?.[1];
  return revision ? [2, 3000, Number(revision)] : undefined;
}

export const formatVersion = (v: WAVersion): string => v.join('.');

@Injectable()
export class WaVersionService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: AppLogger;
  private state: WaVersionState;
  private inFlight?: Promise<boolean>;
  private initial?: Promise<boolean>;
  private timer?: NodeJS.Timeout;
  private lastReadAfter405 = 0;
  private readonly abort = new AbortController();
  private readonly proxy?: SessionProxy;
  private readonly gauge: Gauge<'version' | 'source'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    metrics: MetricsService,
  ) {
    this.logger = logger.child({ module: 'wa-version' });
    const configured = config.whatsapp.version;
    this.state = {
      version: configured ?? (DEFAULT_CONNECTION_CONFIG.version as WAVersion),
      source: configured ? 'configured' : 'bundled',
      fetchedAt: null,
      lastError: null,
    };
    const proxyUrl = config.whatsapp.proxyUrl ? parseProxyUrl(config.whatsapp.proxyUrl) : undefined;
    if (proxyUrl instanceof URL) this.proxy = new SessionProxy(proxyUrl, {}, proxyCaList(config.whatsapp.proxyCa));
    this.gauge = new Gauge({
      name: 'wa_web_version_info',
      help: 'The WhatsApp Web version sockets announce (value 1) and where it came from: fetched, configured (WA_VERSION) or bundled',
      labelNames: ['version', 'source'],
      registers: [metrics.registry],
    });
    this.publish();
  }

  get enabled(): boolean {
    return this.config.whatsapp.fetchLatestVersion;
  }

  get current(): WaVersionState {
    return { ...this.state };
  }

  /** Starts the boot read without holding the boot up; sockets wait for it (`ready`). */
  onModuleInit(): void {
    if (!this.enabled) return;
    this.initial = this.refresh('boot');
    this.timer = setInterval(() => void this.refresh('periodic'), this.config.whatsapp.versionRefreshMs);
    this.timer.unref();
  }

  /** The version to announce now: waits for the boot read if it is still under way. */
  async ready(): Promise<WAVersion> {
    if (this.initial) await this.initial;
    return this.state.version;
  }

  /**
   * Reads the current version once (concurrent callers share the read); true when the version
   * changed. Never throws: on failure the version stays as it was.
   */
  refresh(reason: 'boot' | 'periodic' | 'after-405'): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    this.inFlight ??= this.read(reason).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * A login announcing `announced` was refused with 405: true when the version to announce now
   * differs from it, reading it again first unless another session's 405 did so within the last
   * 10 s (then the result of that read stands).
   */
  async afterRejection(announced: string): Promise<boolean> {
    if (formatVersion(this.state.version) !== announced) return true;
    if (!this.enabled) return false;
    if (!this.inFlight && Date.now() - this.lastReadAfter405 < MIN_INTERVAL_AFTER_405_MS) return false;
    this.lastReadAfter405 = Date.now();
    await this.refresh('after-405');
    return formatVersion(this.state.version) !== announced;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.abort.abort();
    this.proxy?.close();
  }

  private async read(reason: string): Promise<boolean> {
    const before = formatVersion(this.state.version);
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]);
      const res = await fetch(this.config.whatsapp.versionUrl, {
        signal,
        headers: { 'sec-fetch-site': 'none', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' },
        ...(this.proxy ? { dispatcher: this.proxy.dispatcher as unknown as RequestInit['dispatcher'] } : {}),
      } as RequestInit & { dispatcher?: Dispatcher });
      if (!res.ok) throw new Error(`the version source answered ${res.status}`);
      const version = versionFromDocument(await res.text());
      if (!version) throw new Error('the version source has no client_revision');
      this.state = { version, source: 'fetched', fetchedAt: new Date(), lastError: null };
    } catch (err) {
      if (this.abort.signal.aborted) return false;
      this.state = { ...this.state, lastError: err instanceof Error ? err.message : String(err) };
      this.logger.warn({ reason, error: this.state.lastError, keeping: before, source: this.state.source }, 'could not read the current WhatsApp Web version; keeping the one in use');
      return false;
    }
    this.publish();
    const after = formatVersion(this.state.version);
    if (after !== before) this.logger.info({ reason, version: after, previous: before }, 'WhatsApp Web version updated');
    return after !== before;
  }

  private publish(): void {
    this.gauge.reset();
    this.gauge.set({ version: formatVersion(this.state.version), source: this.state.source }, 1);
  }
}
