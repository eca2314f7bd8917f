/** The typed configuration object every module receives (built from `Environment`). */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import proxyAddr from '@fastify/proxy-addr';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { Environment } from './environment.js';
import { parseProxyUrl } from '../whatsapp/proxy-url.js';

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: {
    port: number;
    host: string;
    corsOrigins: string[] | true;
    bodyLimit: number;
    publicBaseUrl?: string;
    /** Peers trusted to set X-Forwarded-For/-Proto: all, none, or addresses/CIDRs/range names. */
    trustProxy: boolean | string[];
    /** Node HTTP server timeouts, in ms (0: none, where allowed). */
    timeouts: { headersMs: number; requestMs: number; keepAliveMs: number; idleMs: number };
  };
  logLevel: string;
  dataDir: string;
  database: { url?: string; poolSize: number; preparedStatements: boolean };
  auth: {
    /** Unset outside production: the auth module then uses a key kept under DATA_DIR. */
    jwtSecret?: string;
    accessTtlSeconds: number;
    refreshTtlDays: number;
    emailTokenTtlSeconds: number;
    requireVerifiedEmail: boolean;
    trustUserIdHeader: boolean;
    loginMaxFailuresPerAccountIp: number;
    loginMaxFailuresPerIp: number;
    loginFailureWindowSeconds: number;
    loginAccountSlowdownAfter: number;
    loginAccountSlowdownSeconds: number;
    signup: { enabled: boolean; maxPerIp: number; windowSeconds: number };
    admin?: { email: string; password: string };
    smtpUrl?: string;
    mailFrom: string;
  };
  whatsapp: {
    sandbox: boolean;
    serverUrl?: string;
    version?: [number, number, number];
    fetchLatestVersion: boolean;
    /** The document the current version is read from (WA_VERSION_URL) and how often (WA_VERSION_REFRESH_MS). */
    versionUrl: string;
    versionRefreshMs: number;
    /** The default proxy of every session (WA_PROXY_URL), credentials included: never log it. */
    proxyUrl?: string;
    /** CA certificates (PEM) of HTTPS proxies, read from WA_PROXY_CA_FILE. */
    proxyCa?: string;
    qrTimeoutMs: number;
    browserName: string;
    restoreConcurrency: number;
    /** XEdDSA through the native crypto seam (src/whatsapp/native-curve.ts). */
    nativeCrypto: boolean;
    /** Root key of the server's Noise certificate chain when not WhatsApp's (WA_TRUSTED_ROOT_PUBLIC_KEY). */
    trustedRootPublicKey?: Buffer;
    /** Worker threads generating new accounts' pre-keys off the event loop; 0 turns it off. */
    preKeyWorkers: number;
    requestTimeoutMs: number;
    /** POST /contacts/check: numbers looked up per session per minute, and how long answers are reused. */
    numberChecks: { perMinute: number; cacheSeconds: number };
    maxQrGeneration: number;
    maxReconnectRetries: number;
    reconnectBaseDelayMs: number;
    sseHeartbeatMs: number;
    sseResumeGraceMs: number;
    profileNameWaitMs: number;
    downloadMedia: boolean;
    maxSessionsPerTenant: number;
  };
  media: MediaConfig;
  realtime: {
    /** Window for the `authenticate` event on a socket that connected without credentials. */
    authTimeoutMs: number;
    /** Open realtime connections (Socket.io, /ws/sessions, SSE), counted per process. */
    maxConnections: { perUser: number; perIp: number; total: number };
  };
  callbacks: {
    baseUrl?: string;
    timeoutMs: number;
    retries: number;
    apiKey?: string;
    secret?: string;
    paths: { newSession: string; statusUpdate: string; messageReceived: string; qrUpdate: string };
    pollIntervalMs: number;
    concurrency: number;
    /** Send history-sync messages to messages/received too (CALLBACK_HISTORY_MESSAGES). */
    historyMessages: boolean;
  };
  /** Webhook subscriptions (src/webhook-subscriptions). */
  webhookSubscriptions: {
    disableAfterHours: number;
    timeoutMs: number;
    concurrency: number;
    lanesPerSubscription: number;
    pollIntervalMs: number;
  };
  /** Outbound URLs users hand us may reach private addresses (ALLOW_PRIVATE_URLS). */
  allowPrivateUrls: boolean;
  /** Set when REDIS_URL is: several nodes share the database (src/cluster). */
  cluster?: ClusterConfig;
  /** Days to keep each kind of row (0: forever), how often the job runs, rows per DELETE. */
  retention: {
    deliveredCallbacksDays: number;
    mailsDays: number;
    expiredTokensDays: number;
    loginFailuresDays: number;
    inboundJournalDays: number;
    intervalMinutes: number;
    batchSize: number;
  };
}

export interface ClusterConfig {
  redisUrl: string;
  nodeId: string;
  /** Base URL the other nodes forward REST commands to. */
  nodeUrl: string;
  leaseTtlMs: number;
}

export type MediaKind = 'image' | 'video' | 'audio' | 'voice' | 'document' | 'sticker';

export interface MediaConfig {
  /** Set when S3_BUCKET is: objects go to an S3-compatible store instead of DATA_DIR/media. */
  s3?: {
    bucket: string;
    endpoint?: string;
    region: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
    publicBaseUrl?: string;
  };
  urlTtlSeconds: number;
  maxBytes: Record<MediaKind, number>;
  /** Stored bytes a tenant may hold (MEDIA_QUOTA_BYTES_PER_TENANT); null = no quota. */
  quotaBytesPerTenant: number | null;
  /** Inbound downloads (when the tenant's download-media switch is on, or on demand). */
  download: { concurrency: number; maxAttempts: number; retryBaseMs: number; pollIntervalMs: number };
}

export class ConfigError extends Error {}

/**
 * Variables that were renamed because their meaning changed: a deployment still setting the old
 * name would silently lose its setting (the default applies), so boot fails naming both instead.
 */
const RENAMED_VARIABLES: ReadonlyArray<{ old: string; now: string; why: string }> = [
  { old: 'LOGIN_MAX_FAILURES_PER_ACCOUNT', now: 'LOGIN_MAX_FAILURES_PER_ACCOUNT_IP', why: 'failed logins are now counted per account and client IP' },
];

function renamedVariableProblems(source: Record<string, string | undefined>): string[] {
  return RENAMED_VARIABLES
    .filter(({ old }) => (source[old] ?? '').trim() !== '')
    .map(({ old, now, why }) => `  ${old}: renamed to ${now} (${why}); set ${now} instead and remove ${old}`);
}

export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of environmentVariableNames()) {
    const value = source[key];
    if (value !== undefined) raw[key] = value;
  }
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: true, forbidUnknownValues: false });
  const lines = [
    ...renamedVariableProblems(source),
    ...errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`),
  ];
  if (lines.length > 0) throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_EMAIL / ADMIN_PASSWORD: set both or neither');
  }
  const proxyProblem = env.WA_PROXY_URL ? parseProxyUrl(env.WA_PROXY_URL) : undefined;
  if (typeof proxyProblem === 'string') throw new ConfigError(`Invalid configuration:\n  WA_PROXY_URL: ${proxyProblem}`);
  const proxyCa = env.WA_PROXY_CA_FILE ? readCaFile(env.WA_PROXY_CA_FILE, 'WA_PROXY_CA_FILE') : undefined;
  const origins = env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  return {
    env: env.NODE_ENV,
    http: {
      port: env.PORT,
      host: env.HOST,
      corsOrigins: origins.includes('*') ? true : origins,
      bodyLimit: env.BODY_LIMIT_BYTES,
      publicBaseUrl: env.PUBLIC_BASE_URL,
      trustProxy: trustProxy(env.TRUST_PROXY),
      timeouts: httpTimeouts(env),
    },
    logLevel: env.LOG_LEVEL,
    dataDir: resolve(env.DATA_DIR),
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, preparedStatements: env.DATABASE_PREPARED_STATEMENTS },
    auth: {
      jwtSecret: env.JWT_SECRET,
      accessTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
      refreshTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
      emailTokenTtlSeconds: env.EMAIL_TOKEN_TTL_SECONDS,
      requireVerifiedEmail: env.AUTH_REQUIRE_VERIFIED_EMAIL,
      trustUserIdHeader: env.AUTH_TRUST_USER_ID_HEADER,
      loginMaxFailuresPerAccountIp: env.LOGIN_MAX_FAILURES_PER_ACCOUNT_IP,
      loginMaxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      loginFailureWindowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
      loginAccountSlowdownAfter: env.LOGIN_ACCOUNT_SLOWDOWN_AFTER,
      loginAccountSlowdownSeconds: env.LOGIN_ACCOUNT_SLOWDOWN_SECONDS,
      signup: { enabled: env.SIGNUP_ENABLED, maxPerIp: env.SIGNUP_MAX_PER_IP, windowSeconds: env.SIGNUP_WINDOW_SECONDS },
      admin: env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } : undefined,
      smtpUrl: env.SMTP_URL,
      mailFrom: env.MAIL_FROM,
    },
    whatsapp: {
      sandbox: env.WA_SANDBOX,
      serverUrl: env.WA_SERVER_URL,
      version: env.WA_VERSION ? (env.WA_VERSION.split('.').map(Number) as [number, number, number]) : undefined,
      fetchLatestVersion: env.WA_FETCH_LATEST_VERSION ?? !(env.WA_SANDBOX || env.WA_SERVER_URL),
      versionUrl: env.WA_VERSION_URL,
      versionRefreshMs: env.WA_VERSION_REFRESH_MS,
      proxyUrl: env.WA_PROXY_URL,
      proxyCa,
      qrTimeoutMs: env.WA_QR_TIMEOUT_MS,
      browserName: env.WA_BROWSER_NAME,
      restoreConcurrency: env.WA_RESTORE_CONCURRENCY,
      nativeCrypto: env.WA_NATIVE_CRYPTO,
      trustedRootPublicKey: env.WA_TRUSTED_ROOT_PUBLIC_KEY ? Buffer.from(env.WA_TRUSTED_ROOT_PUBLIC_KEY, 'hex') : undefined,
      preKeyWorkers: env.WA_PREKEY_WORKERS,
      requestTimeoutMs: env.WA_REQUEST_TIMEOUT_MS,
      numberChecks: { perMinute: env.CONTACT_CHECKS_PER_MINUTE, cacheSeconds: env.CONTACT_CHECK_CACHE_SECONDS },
      maxQrGeneration: env.SSE_MAX_QR_GENERATION,
      maxReconnectRetries: env.MAX_RECONNECT_RETRIES,
      reconnectBaseDelayMs: env.RECONNECT_BASE_DELAY_MS,
      sseHeartbeatMs: env.SSE_HEARTBEAT_MS,
      sseResumeGraceMs: env.SSE_RESUME_GRACE_MS,
      profileNameWaitMs: env.WA_PROFILE_NAME_WAIT_MS,
      downloadMedia: env.DOWNLOAD_MEDIA,
      maxSessionsPerTenant: env.MAX_SESSIONS_PER_TENANT,
    },
    media: mediaConfig(env),
    realtime: {
      authTimeoutMs: env.REALTIME_AUTH_TIMEOUT_MS,
      maxConnections: { perUser: env.REALTIME_MAX_CONNECTIONS_PER_USER, perIp: env.REALTIME_MAX_CONNECTIONS_PER_IP, total: env.REALTIME_MAX_CONNECTIONS },
    },
    callbacks: {
      baseUrl: env.BACKEND_BASE_URL?.replace(/\/+$/, ''),
      timeoutMs: env.BACKEND_TIMEOUT,
      retries: env.BACKEND_RETRIES,
      apiKey: env.BACKEND_API_KEY ?? env.PRODUCTION_API_KEY,
      secret: env.WEBHOOK_SECRET,
      paths: {
        newSession: env.CALLBACK_PATH_NEW_SESSION,
        statusUpdate: env.CALLBACK_PATH_STATUS_UPDATE,
        messageReceived: env.CALLBACK_PATH_MESSAGE_RECEIVED,
        qrUpdate: env.CALLBACK_PATH_QR_UPDATE,
      },
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      historyMessages: env.CALLBACK_HISTORY_MESSAGES,
      concurrency: env.WEBHOOK_CONCURRENCY,
    },
    webhookSubscriptions: {
      disableAfterHours: env.WEBHOOK_DISABLE_AFTER_HOURS,
      timeoutMs: env.WEBHOOK_TIMEOUT,
      concurrency: env.WEBHOOK_SUBSCRIPTION_CONCURRENCY,
      lanesPerSubscription: env.WEBHOOK_SUBSCRIPTION_LANES_PER_SUBSCRIPTION,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
    },
    allowPrivateUrls: env.ALLOW_PRIVATE_URLS,
    cluster: clusterConfig(env),
    retention: {
      deliveredCallbacksDays: env.RETENTION_DELIVERED_CALLBACKS_DAYS,
      mailsDays: env.RETENTION_MAILS_DAYS,
      expiredTokensDays: env.RETENTION_EXPIRED_TOKENS_DAYS,
      loginFailuresDays: env.RETENTION_LOGIN_FAILURES_DAYS,
      inboundJournalDays: env.RETENTION_INBOUND_JOURNAL_DAYS,
      intervalMinutes: env.RETENTION_INTERVAL_MINUTES,
      batchSize: env.RETENTION_BATCH_SIZE,
    },
  };
}

/** The PEM certificates of a CA file, checked at boot: an unreadable file or one without a valid certificate stops it. */
function readCaFile(path: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new ConfigError(`Invalid configuration:\n  ${variable}: ${path} holds no PEM certificate`);
  for (const pem of pems) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new ConfigError(`Invalid configuration:\n  ${variable}: ${path} holds a certificate that cannot be read`);
    }
  }
  return pems.join('\n');
}

function trustProxy(value: string): boolean | string[] {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  const list = value.split(',').map((a) => a.trim()).filter(Boolean);
  try {
    proxyAddr.compile(list);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  TRUST_PROXY: ${(err as Error).message} (true, false, or addresses, CIDRs, loopback, linklocal, uniquelocal)`);
  }
  return list;
}

function httpTimeouts(env: Environment): AppConfig['http']['timeouts'] {
  if (env.HTTP_REQUEST_TIMEOUT_MS > 0 && env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  return { headersMs: env.HTTP_HEADERS_TIMEOUT_MS, requestMs: env.HTTP_REQUEST_TIMEOUT_MS, keepAliveMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS, idleMs: env.HTTP_IDLE_TIMEOUT_MS };
}

function clusterConfig(env: Environment): ClusterConfig | undefined {
  if (!env.REDIS_URL) return undefined;
  const problems: string[] = [];
  if (!env.NODE_URL) problems.push('  NODE_URL: required with REDIS_URL (where the other nodes reach this one)');
  if (!env.DATABASE_URL) problems.push('  DATABASE_URL: required with REDIS_URL (the nodes share one PostgreSQL; the embedded database is one process only)');
  if (env.WA_SANDBOX) problems.push('  WA_SANDBOX: runs a simulator inside each process; in cluster mode point WA_SERVER_URL at one shared simulator instead');
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return { redisUrl: env.REDIS_URL, nodeId: env.NODE_ID ?? hostname(), nodeUrl: env.NODE_URL!.replace(/\/+$/, ''), leaseTtlMs: env.CLUSTER_LEASE_TTL_MS };
}

function mediaConfig(env: Environment): MediaConfig {
  if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('Invalid configuration:\n  S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: set both or neither');
  }
  return {
    s3: env.S3_BUCKET
      ? {
          bucket: env.S3_BUCKET,
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          credentials: env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
            ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
            : undefined,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
          publicBaseUrl: env.S3_PUBLIC_BASE_URL?.replace(/\/+$/, ''),
        }
      : undefined,
    urlTtlSeconds: env.MEDIA_URL_TTL_SECONDS,
    quotaBytesPerTenant: env.MEDIA_QUOTA_BYTES_PER_TENANT > 0 ? env.MEDIA_QUOTA_BYTES_PER_TENANT : null,
    maxBytes: {
      image: env.MEDIA_MAX_BYTES_IMAGE,
      video: env.MEDIA_MAX_BYTES_VIDEO,
      audio: env.MEDIA_MAX_BYTES_AUDIO,
      voice: env.MEDIA_MAX_BYTES_VOICE,
      document: env.MEDIA_MAX_BYTES_DOCUMENT,
      sticker: env.MEDIA_MAX_BYTES_STICKER,
    },
    download: {
      concurrency: env.MEDIA_DOWNLOAD_CONCURRENCY,
      maxAttempts: env.MEDIA_DOWNLOAD_MAX_ATTEMPTS,
      retryBaseMs: env.MEDIA_DOWNLOAD_RETRY_BASE_MS,
      pollIntervalMs: env.MEDIA_DOWNLOAD_POLL_MS,
    },
  };
}

/** The names of every variable `Environment` declares (for .env.example checks and filtering). */
export function environmentVariableNames(): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))];
}
