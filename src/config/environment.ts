/**
 * Every environment variable the app reads, with its validation. Parsed once at boot by
 * `loadConfig()`; nothing else in the app reads process.env.
 */
import { Transform } from 'class-transformer';
import {
  IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength,
} from 'class-validator';
import { IsSafeEmail } from '../common/safe-email.js';

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : value;
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export class Environment {
  @IsIn(['development', 'production', 'test']) @IsOptional()
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString() @IsOptional()
  HOST = '0.0.0.0';

  @IsString() @MinLength(1)
  DATA_DIR = './data';

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @Transform(toInt) @IsInt() @Min(2) @Max(500)
  DATABASE_POOL_SIZE = 20;

  /** Hot statements as named prepared statements (src/database/prepared-statement.ts); false for a pooler that cannot keep them. */
  @Transform(toBool) @IsBoolean()
  DATABASE_PREPARED_STATEMENTS = true;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) @IsOptional()
  LOG_LEVEL: string = 'info';

  /** Comma-separated allowed origins (with credentials); `*` answers any origin, never with credentials. */
  @IsString()
  CORS_ORIGINS = '*';

  @Transform(toInt) @IsInt() @Min(1024)
  BODY_LIMIT_BYTES = 1_048_576;

  /**
   * Which peers may set the client IP with X-Forwarded-For (and the protocol with
   * X-Forwarded-Proto): `true` (any: only behind a proxy that overwrites the header), `false`
   * (none: the TCP peer is the client), or a comma-separated list of addresses, CIDRs and the
   * names `loopback`, `linklocal`, `uniquelocal` (private ranges).
   */
  @IsString() @MinLength(1)
  TRUST_PROXY = 'loopback,linklocal,uniquelocal';

  /** Time a client has to send a request's headers (slow-header attacks), in ms. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000)
  HTTP_HEADERS_TIMEOUT_MS = 20_000;

  /** Time a client has to send a whole request, body included (0: no limit), in ms. */
  @Transform(toInt) @IsInt() @Min(0) @Max(3_600_000)
  HTTP_REQUEST_TIMEOUT_MS = 300_000;

  /** How long an idle keep-alive connection is kept between requests, in ms. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  /** A connection with no traffic either way for this long is closed (0: never), in ms. */
  @Transform(toInt) @IsInt() @Min(0) @Max(3_600_000)
  HTTP_IDLE_TIMEOUT_MS = 300_000;

  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL?: string;

  // --- auth ---
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @Transform(toInt) @IsInt() @Min(10)
  JWT_ACCESS_TTL_SECONDS = 900;

  @Transform(toInt) @IsInt() @Min(1)
  REFRESH_TOKEN_TTL_DAYS = 30;

  @Transform(toInt) @IsInt() @Min(60)
  EMAIL_TOKEN_TTL_SECONDS = 86_400;

  @Transform(toBool) @IsBoolean()
  AUTH_REQUIRE_VERIFIED_EMAIL = false;

  @Transform(toBool) @IsBoolean()
  AUTH_TRUST_USER_ID_HEADER = false;

  /** Failed logins of one account from one client IP in the window before that pair gets 429s. */
  @Transform(toInt) @IsInt() @Min(1)
  LOGIN_MAX_FAILURES_PER_ACCOUNT_IP = 5;

  /** Failed logins from one client IP (any accounts) in the window before that IP gets 429s. */
  @Transform(toInt) @IsInt() @Min(1)
  LOGIN_MAX_FAILURES_PER_IP = 20;

  @Transform(toInt) @IsInt() @Min(1)
  LOGIN_FAILURE_WINDOW_SECONDS = 900;

  /** Failed logins of one account from all IPs in the window after which its attempts are spaced (never locked). */
  @Transform(toInt) @IsInt() @Min(1)
  LOGIN_ACCOUNT_SLOWDOWN_AFTER = 20;

  /** The spacing: an attempt this soon after the account's latest failure waits (429, Retry-After at most this). */
  @Transform(toInt) @IsInt() @Min(1) @Max(60)
  LOGIN_ACCOUNT_SLOWDOWN_SECONDS = 2;

  /** false closes sign-up (POST /users answers 403 SIGNUP_DISABLED); admins and existing users are unaffected. */
  @Transform(toBool) @IsBoolean()
  SIGNUP_ENABLED = true;

  /** Sign-ups from one client IP per SIGNUP_WINDOW_SECONDS (per process) before 429s. */
  @Transform(toInt) @IsInt() @Min(1)
  SIGNUP_MAX_PER_IP = 10;

  @Transform(toInt) @IsInt() @Min(1)
  SIGNUP_WINDOW_SECONDS = 3600;

  @Transform(emptyToUndefined) @IsOptional() @IsSafeEmail()
  ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(10, { message: 'ADMIN_PASSWORD must be at least 10 characters' })
  ADMIN_PASSWORD?: string;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^smtps?:\/\//, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = 'WhatsApp Orchestrator <no-reply@localhost>';

  // --- WhatsApp ---
  @Transform(toBool) @IsBoolean()
  WA_SANDBOX = false;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^wss?:\/\//, { message: 'WA_SERVER_URL must be a ws:// or wss:// URL' })
  WA_SERVER_URL?: string;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^\d+\.\d+\.\d+$/, { message: 'WA_VERSION must look like 2.3000.1023456789' })
  WA_VERSION?: string;

  /** Unset: true, except in sandbox mode or with WA_SERVER_URL (not WhatsApp's servers). */
  @Transform(toBool) @IsOptional() @IsBoolean()
  WA_FETCH_LATEST_VERSION?: boolean;

  /** Where the current WhatsApp Web version is read (a service worker script carrying `client_revision`). */
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'WA_VERSION_URL must be an http(s) URL' })
  WA_VERSION_URL = 'https://web.whatsapp.com/sw.js';

  /** How often the current WhatsApp Web version is fetched again (default 6 h). */
  @Transform(toInt) @IsInt() @Min(1000)
  WA_VERSION_REFRESH_MS = 6 * 3600_000;

  /** The proxy every session uses unless it has its own: http://, https:// or socks5://, credentials allowed. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  WA_PROXY_URL?: string;

  /** A PEM file of CA certificates that HTTPS proxies' certificates may also chain to (besides Node's default store). */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  WA_PROXY_CA_FILE?: string;

  @Transform(toInt) @IsInt() @Min(1000)
  WA_QR_TIMEOUT_MS = 20_000;

  @IsString() @MinLength(1)
  WA_BROWSER_NAME = 'WA Orchestrator';

  @Transform(toInt) @IsInt() @Min(1)
  WA_RESTORE_CONCURRENCY = 25;

  /** XEdDSA on native code (src/whatsapp/native-curve.ts); false keeps libsignal's pure JavaScript. */
  @Transform(toBool) @IsBoolean()
  WA_NATIVE_CRYPTO = true;

  /**
   * Root public key (32 bytes, hex) the server's Noise certificate chain must lead to, instead of
   * WhatsApp's: for a simulator behind WA_SERVER_URL (src/whatsapp/noise-trust.ts). Unset: WhatsApp's.
   */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[0-9a-fA-F]{64}$/, { message: 'WA_TRUSTED_ROOT_PUBLIC_KEY must be 64 hex digits (a 32-byte Curve25519 public key)' })
  WA_TRUSTED_ROOT_PUBLIC_KEY?: string;

  /** Worker threads that generate a new account's pre-keys (src/whatsapp/prekey-prefetch.ts); 0: Baileys does, on the event loop. */
  @Transform(toInt) @IsInt() @Min(0) @Max(16)
  WA_PREKEY_WORKERS = 1;

  @Transform(toInt) @IsInt() @Min(1000)
  WA_REQUEST_TIMEOUT_MS = 20_000;

  /** Numbers one session may look up on WhatsApp per minute (POST /contacts/check; cached answers are free). */
  @Transform(toInt) @IsInt() @Min(1)
  CONTACT_CHECKS_PER_MINUTE = 300;

  /** How long a number check's answer is reused before WhatsApp is asked again. */
  @Transform(toInt) @IsInt() @Min(0)
  CONTACT_CHECK_CACHE_SECONDS = 3600;

  @Transform(toInt) @IsInt() @Min(1)
  SSE_MAX_QR_GENERATION = 5;

  @Transform(toInt) @IsInt() @Min(0)
  MAX_RECONNECT_RETRIES = 5;

  @Transform(toInt) @IsInt() @Min(100)
  RECONNECT_BASE_DELAY_MS = 1000;

  @Transform(toInt) @IsInt() @Min(1000)
  SSE_HEARTBEAT_MS = 15_000;

  /** How long an SSE onboarding waits for its client to reconnect (Last-Event-ID) before it is cancelled. */
  @Transform(toInt) @IsInt() @Min(0)
  SSE_RESUME_GRACE_MS = 15_000;

  /** How long the SSE `open` message waits for the profile (push) name after the connection. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  WA_PROFILE_NAME_WAIT_MS = 3000;

  @Transform(toBool) @IsBoolean()
  DOWNLOAD_MEDIA = false;

  /** Sessions a tenant may have that are not final (expired, logged_out, error); one more is 409. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  MAX_SESSIONS_PER_TENANT = 50;
  // --- media (storage: local disk under DATA_DIR unless S3_BUCKET is set) ---
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(3)
  S3_BUCKET?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  S3_ENDPOINT?: string;

  @IsString() @MinLength(1)
  S3_REGION = 'us-east-1';

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Transform(toBool) @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  S3_PUBLIC_BASE_URL?: string;

  /** Lifetime of presigned media URLs; SigV4 (S3, R2) allows at most 7 days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(604_800)
  MEDIA_URL_TTL_SECONDS = 3600;

  @Transform(toInt) @IsInt() @Min(1)
  MEDIA_MAX_BYTES_IMAGE = 16 * 1024 * 1024;

  @Transform(toInt) @IsInt() @Min(1)
  MEDIA_MAX_BYTES_VIDEO = 64 * 1024 * 1024;

  @Transform(toInt) @IsInt() @Min(1)
  MEDIA_MAX_BYTES_AUDIO = 16 * 1024 * 1024;

  @Transform(toInt) @IsInt() @Min(1)
  MEDIA_MAX_BYTES_VOICE = 16 * 1024 * 1024;

  @Transform(toInt) @IsInt() @Min(1)
  MEDIA_MAX_BYTES_DOCUMENT = 100 * 1024 * 1024;

  @Transform(toInt) @IsInt() @Min(1)
  MEDIA_MAX_BYTES_STICKER = 1024 * 1024;

  /** Bytes of stored media a tenant may hold (uploads, inbound downloads); 0 = no quota. */
  @Transform(toInt) @IsInt() @Min(0)
  MEDIA_QUOTA_BYTES_PER_TENANT = 0;

  /** Inbound media downloads in flight at once (per process). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  MEDIA_DOWNLOAD_CONCURRENCY = 4;

  /** Automatic attempts per inbound media before it is marked failed (on demand it can be tried again). */
  @Transform(toInt) @IsInt() @Min(1) @Max(20)
  MEDIA_DOWNLOAD_MAX_ATTEMPTS = 5;

  /** First retry delay; each next one is 4 times longer (with jitter), at most an hour. */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  MEDIA_DOWNLOAD_RETRY_BASE_MS = 5000;

  /** How often the download worker looks for retries coming due. */
  @Transform(toInt) @IsInt() @Min(50) @Max(600_000)
  MEDIA_DOWNLOAD_POLL_MS = 5000;

  // --- realtime (Socket.io) ---
  /** How long a socket that connected without credentials has to send `authenticate { token }`. */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  REALTIME_AUTH_TIMEOUT_MS = 10_000;

  /**
   * Open realtime connections (Socket.io, /ws/sessions, SSE streams) per user, per client IP and
   * in all, counted per process. Beyond them a connection is refused (429, or `unauthorized {
   * code: "TOO_MANY_CONNECTIONS" }` on an authenticated Socket.io socket).
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  REALTIME_MAX_CONNECTIONS_PER_USER = 32;

  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  REALTIME_MAX_CONNECTIONS_PER_IP = 256;

  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  REALTIME_MAX_CONNECTIONS = 10_000;

  // --- callbacks to the main backend ---
  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  BACKEND_BASE_URL?: string;

  @Transform(toInt) @IsInt() @Min(100)
  BACKEND_TIMEOUT = 10_000;

  @Transform(toInt) @IsInt() @Min(0) @Max(100)
  BACKEND_RETRIES = 10;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  BACKEND_API_KEY?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  PRODUCTION_API_KEY?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(16, { message: 'WEBHOOK_SECRET must be at least 16 characters' })
  @Matches(/^(?!whsec_)|^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, {
    message: 'WEBHOOK_SECRET starting with whsec_ must continue with base64 (Standard Webhooks); any other string is used as-is',
  })
  WEBHOOK_SECRET?: string;

  @Matches(/^\//) CALLBACK_PATH_NEW_SESSION = '/api/whatsapp/sessions/new-session-connected';
  @Matches(/^\//) CALLBACK_PATH_STATUS_UPDATE = '/api/whatsapp/sessions/status-update';
  @Matches(/^\//) CALLBACK_PATH_MESSAGE_RECEIVED = '/api/whatsapp/messages/received';
  @Matches(/^\//) CALLBACK_PATH_QR_UPDATE = '/api/whatsapp/sessions/qr-update';

  @Transform(toInt) @IsInt() @Min(10)
  WEBHOOK_POLL_INTERVAL_MS = 500;

  @Transform(toInt) @IsInt() @Min(1) @Max(256)
  WEBHOOK_CONCURRENCY = 64;

  @Transform(toBool) @IsBoolean()
  CALLBACK_HISTORY_MESSAGES = false;

  // --- webhook subscriptions (POST /webhooks) ---
  /** A subscription failing this many hours without one success is disabled (fractions allowed). */
  @Transform(toNumber) @IsNumber() @Min(0.0001) @Max(8760)
  WEBHOOK_DISABLE_AFTER_HOURS = 72;

  /** Subscription deliveries: one attempt's overall timeout (ms). */
  @Transform(toInt) @IsInt() @Min(100) @Max(120_000)
  WEBHOOK_TIMEOUT = 10_000;

  /** Subscription deliveries: (subscription, session) lanes in flight at once, and per subscription. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1024)
  WEBHOOK_SUBSCRIPTION_CONCURRENCY = 64;

  @Transform(toInt) @IsInt() @Min(1) @Max(1024)
  WEBHOOK_SUBSCRIPTION_LANES_PER_SUBSCRIPTION = 8;

  /** Lets webhook URLs (and other user-given URLs) reach loopback, private and link-local addresses. */
  @Transform(toBool) @IsBoolean()
  ALLOW_PRIVATE_URLS = false;
  // --- retention (a periodic job deletes in small batches; 0 keeps forever) ---
  /** Delivered callbacks (and their attempts) older than this many days. Dead ones are kept. */
  @Transform(toInt) @IsInt() @Min(0) @Max(36_500)
  RETENTION_DELIVERED_CALLBACKS_DAYS = 7;

  /** Sent (or logged) mails older than this many days. */
  @Transform(toInt) @IsInt() @Min(0) @Max(36_500)
  RETENTION_MAILS_DAYS = 30;

  /** Refresh and e-mail tokens this many days after they expired (or were used/revoked). */
  @Transform(toInt) @IsInt() @Min(0) @Max(36_500)
  RETENTION_EXPIRED_TOKENS_DAYS = 1;

  /** Login failures older than this many days (the throttle only reads its window). */
  @Transform(toInt) @IsInt() @Min(0) @Max(36_500)
  RETENTION_LOGIN_FAILURES_DAYS = 1;

  /**
   * Inbound-journal rows (messages acknowledged before a crash) of sessions that have not connected
   * again for this many days: a connect replays and releases them, so only such sessions keep any.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(36_500)
  RETENTION_INBOUND_JOURNAL_DAYS = 30;

  /** Minutes between retention runs (the first runs this long after boot). */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_080)
  RETENTION_INTERVAL_MINUTES = 60;

  /** Rows deleted per statement: small batches never hold a table's locks for long. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  RETENTION_BATCH_SIZE = 1000;
  // --- cluster mode (REDIS_URL set: several nodes on one PostgreSQL; docs/architecture.md "Cluster mode") ---
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** This node's name in the registry and in lease rows (default: the host name). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'NODE_ID must be 1 to 64 letters, digits, dots, dashes or underscores' })
  NODE_ID?: string;

  /** Where the other nodes reach this one (forwarded REST commands); required with REDIS_URL. */
  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  NODE_URL?: string;

  /** How long a session's lease lasts without renewal (renewed every third of it). */
  @Transform(toInt) @IsInt() @Min(3000) @Max(300_000)
  CLUSTER_LEASE_TTL_MS = 20_000;
}
