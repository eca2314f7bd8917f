import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { DomainEvents } from '../events/domain-events.js';
import type { DomainEvent } from '../events/event-map.js';
import { SessionsService } from './sessions.service.js';
import { toSseMessage } from './sse-messages.js';

const STREAM_EVENTS = ['session.qr.updated', 'session.status.changed', 'session.deleted'] as const;

@ApiTags('sessions')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@Controller('sessions')
export class SseController implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();
  private readonly logger: AppLogger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly sessions: SessionsService,
    private readonly events: DomainEvents,
  ) {
    this.logger = logger.child({ module: 'sse' });
  }

  @Get('add-sse')
  @ApiOperation({
    summary: 'Onboard a WhatsApp account over Server-Sent Events (seed 000)',
    description:
      'Messages, as `data: <json>`: `{ sessionId }`; `{ connection: "connecting", qr, sessionId }` per QR; ' +
      '`{ connection: "connecting", sessionId }` after the scan; `{ connection: "open", sessionId, phoneNumber, deviceName, accountType }` ' +
      '(then the stream ends); `{ connection: "close", lastDisconnect, sessionId }` while reconnecting; ' +
      '`{ connection: "close", sessionId, reason: "logged_out" | "max_retries_reached", statusCode }` or ' +
      '`{ connection: "close", sessionId, reason: "qr_expired", maxQrReached: true }` (then it ends). A comment heartbeat every 15 s. ' +
      'Closing the stream before the scan cancels the session. Auth: bearer, `?accessToken=`, `x-api-key` + `x-user-id`/`?userId=`, ' +
      'or `x-user-id`/`?userId=` alone when AUTH_TRUST_USER_ID_HEADER=true.',
  })
  @ApiQuery({ name: 'accessToken', required: false, description: 'Access token, for EventSource' })
  @ApiQuery({ name: 'userId', required: false, description: 'The user acted for (with x-api-key, or in trusted mode)' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream', schema: { type: 'string', example: 'data: {"sessionId":"550e8400-e29b-41d4-a716-446655440000"}\n\n' } })
  async addSse(@CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const sessionId = randomUUID();
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let ended = false;
    let paired = false;
    const unsubscribe: Array<() => void> = [];
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), this.config.whatsapp.sseHeartbeatMs);
    const finish = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      for (const off of unsubscribe) off();
      this.open.delete(finish);
      raw.end();
    };
    this.open.add(finish);
    const send = (data: Record<string, unknown>): void => {
      raw.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const onEvent = (event: DomainEvent): void => {
      if (event.sessionId !== sessionId || ended) return;
      if (event.type === 'session.status.changed' && (event as DomainEvent<'session.status.changed'>).payload.phone) paired = true;
      const step = toSseMessage(event);
      if (!step) return;
      if (step.data) send(step.data);
      if (step.final) finish();
    };
    for (const type of STREAM_EVENTS) unsubscribe.push(this.events.onCommit(type, onEvent));
    let created = false;
    let clientLeft = false;
    const cancel = (): void => {
      this.sessions.cancelPending(sessionId).catch((err: unknown) => this.logger.error({ err, sessionId }, 'could not cancel an abandoned onboarding'));
    };
    raw.on('close', () => {
      clientLeft = !ended;
      finish();
      // Before the session exists there is nothing to cancel yet: it is cancelled once created.
      if (clientLeft && created && !paired) cancel();
    });
    send({ sessionId });
    try {
      await this.sessions.create(auth, sessionId);
      created = true;
      if (clientLeft) cancel();
    } catch (err) {
      // A refused start (the tenant's session cap) is the caller's 4xx, not a failure of ours.
      const refused = err instanceof AppError && err.getStatus() < 500;
      if (refused) this.logger.info({ sessionId, reqId: request.id, code: err.code }, 'onboarding refused');
      else this.logger.error({ err, sessionId, reqId: request.id }, 'could not start an onboarding');
      send({ connection: 'close', sessionId, reason: 'max_retries_reached', statusCode: refused ? err.getStatus() : 500 });
      finish();
    }
  }

  /** Open streams would keep the HTTP server from closing. */
  beforeApplicationShutdown(): void {
    for (const finish of [...this.open]) finish();
  }
}
