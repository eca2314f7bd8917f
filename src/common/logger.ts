/**
 * The one pino logger: JSON lines, credentials redacted. Fastify logs requests with it, Nest's
 * own messages go through `NestPinoLogger`, and modules take children of it via ROOT_LOGGER.
 */
import { Global, Module, type DynamicModule, type LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export type AppLogger = Logger;

/** Query parameters that carry credentials, compared after percent-decoding and in any letter case. */
const SECRET_PARAMS = new Set(['accesstoken', 'access_token', 'token', 'apikey', 'api_key', 'key']);

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim().toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * A URL with the values of credential-bearing query parameters replaced. Names are compared as the
 * query parser reads them (percent-decoded): `?accessTok%65n=<jwt>` is the same parameter as
 * `?accessToken=<jwt>`, and its value is redacted too.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const params = url.slice(q + 1, end).split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    return SECRET_PARAMS.has(decodedName(name)) ? `${name}=[REDACTED]` : part;
  });
  return `${url.slice(0, q + 1)}${params.join('&')}${url.slice(end)}`;
}

/** Fields of database errors (TypeORM's QueryFailedError, pg's DatabaseError) that carry values. */
const DATABASE_VALUE_FIELDS = ['parameters', 'driverError', 'detail', 'where', 'internalQuery', 'query'];

/**
 * pino's error serializer without the values a database error carries (bound parameters, the
 * failing row in `detail`): they are message bodies, phone numbers and names. The query text is
 * kept to its first line, the SQLSTATE code in full.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!out || typeof out !== 'object') return out;
  const isDatabaseError = 'parameters' in out || 'driverError' in out || (typeof out.code === 'string' && /^[0-9A-Z]{5}$/.test(out.code) && 'severity' in out);
  if (!isDatabaseError) return out;
  const query = typeof out.query === 'string' ? out.query.trim().split('\n')[0].slice(0, 120) : undefined;
  for (const field of DATABASE_VALUE_FIELDS) delete out[field];
  if (query) out.query = query;
  if (typeof out.message === 'string') out.message = out.message.slice(0, 200);
  return out;
}

/** `destination`: where the JSON lines go (stdout unless given; tests read them). */
export function createRootLogger(level: string, destination?: DestinationStream): AppLogger {
  return pino({
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        'password', '*.password', 'token', '*.token', 'accessToken', '*.accessToken',
        'refreshToken', '*.refreshToken', 'apiKey', '*.apiKey', 'secret', '*.secret',
        'text', '*.text', 'body', '*.body',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req: { method?: string; url?: string; id?: unknown; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url ? redactUrl(req.url) : req.url,
        remoteAddress: req.ip,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
  }, destination);
}

/** Nest's boot chatter (one line per module, route and gateway): useful when debugging only. */
const BOOT_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'WebSocketsController', 'NestApplication']);

/** Adapts Nest's internal logging onto pino. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}
  log(message: unknown, context?: string): void {
    if (context && BOOT_CONTEXTS.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

@Global()
@Module({})
export class LoggerModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return { module: LoggerModule, providers: [{ provide: ROOT_LOGGER, useValue: logger }], exports: [ROOT_LOGGER] };
  }
}
