/**
 * Builds the Nest application on Fastify with everything cross-cutting: the one error shape,
 * request ids, security headers, CORS, cookies, metrics, Swagger, Socket.io, graceful shutdown.
 * Used by main.ts and by the e2e tests (which start it on a random port).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IoAdapter } from '@nestjs/platform-socket.io';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import type { AppConfig } from './config/app-config.js';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { createRootLogger, NestPinoLogger, type AppLogger } from './common/logger.js';
import { applyMediaJsonBodyLimit, createJsonBodyParser, onClientError, onFrameworkError, refuseHeadOnActingRoutes, upgradeInsecureRequestsBehindHttps } from './common/http-hardening.js';
import { createValidationPipe } from './common/validation.pipe.js';
import { setupSwagger } from './common/swagger.js';
import { MetricsService } from './metrics/metrics.service.js';
import { serveConsole } from './console/console-static.js';
import { trustFunction } from './limits/client-ip.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CreatedApp {
  app: NestFastifyApplication;
  logger: AppLogger;
}

export async function createApp(config: AppConfig, logger: AppLogger = createRootLogger(config.logLevel)): Promise<CreatedApp> {
  const timeouts = config.http.timeouts;
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.http.bodyLimit,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // TRUST_PROXY: only these peers may name the client with X-Forwarded-For (per-IP limits use it).
    trustProxy: trustFunction(config.http.trustProxy),
    // Slow or idle clients do not hold connections: headers, whole requests, keep-alive and silence
    // each have their time (HTTP_*_TIMEOUT_MS). Upgraded WebSockets and SSE streams have their own pings.
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // How often Node looks for expired headers/requests (its default, 30 s, would let a slow client stay 30 s longer).
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(timeouts.headersMs / 4))),
    },
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionTimeout: timeouts.idleMs,
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new NestPinoLogger(logger.child({ module: 'nest' })),
    bufferLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  app.useBodyParser('application/json', { bodyLimit: config.http.bodyLimit }, createJsonBodyParser(fastify));
  applyMediaJsonBodyLimit(fastify, Math.max(...Object.values(config.media.maxBytes)));

  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  refuseHeadOnActingRoutes(fastify);
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(fastifyCookie as never);
  await app.register(fastifyCors as never, {
    origin: config.http.corsOrigins,
    // `*` (any origin) never comes with credentials: a page elsewhere must not read what the refresh
    // cookie buys. Only the origins listed in CORS_ORIGINS may send cookies and read the answer; the
    // console, served on the app's own origin, needs no CORS at all.
    credentials: config.http.corsOrigins !== true,
    exposedHeaders: ['x-request-id', 'retry-after'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'x-user-id', 'x-request-id', 'last-event-id', 'cache-control'],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    maxAge: 600,
    // An OPTIONS request without preflight headers is answered like a preflight, not with a plain-text 400.
    strictPreflight: false,
  });
  await app.register(fastifyHelmet as never, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: [`'self'`],
        styleSrc: [`'self'`, `'unsafe-inline'`],
        // blob: for the console's media previews (our media/:id/content fetched with the token into a blob URL);
        // https: for contacts' profile pictures, which WhatsApp serves from its CDN (GET contacts/:jid/profile's pictureUrl).
        imgSrc: [`'self'`, 'data:', 'blob:', 'https:', 'validator.swagger.io'],
        // blob: for voice notes and audio played in the console (fetched the same way).
        mediaSrc: [`'self'`, 'blob:'],
        scriptSrc: [`'self'`, `'unsafe-inline'`],
        // Added per request by upgradeInsecureRequestsBehindHttps: on plain HTTP it blanks the console.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  upgradeInsecureRequestsBehindHttps(fastify);

  // Multipart bodies are parsed as streams by the routes that take them (POST /media), with their own limits.
  await app.register(fastifyMultipart as never, { throwFileSizeLimit: false });

  app.useGlobalFilters(new AllExceptionsFilter(logger.child({ module: 'http' })));
  app.useGlobalPipes(createValidationPipe());
  app.useWebSocketAdapter(new IoAdapter(app));
  app.enableShutdownHooks();
  setupSwagger(app);
  await serveConsole(app, logger);
  await app.init();
  return { app, logger };
}
