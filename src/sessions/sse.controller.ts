import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiSecurity, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { SseOnboardings } from './sse-onboardings.js';
import { RouteConfig } from '@nestjs/platform-fastify';
import { NO_HEAD } from '../common/http-hardening.js';

@ApiTags('sessions')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@Controller('sessions')
export class SseController {
  constructor(private readonly onboardings: SseOnboardings) {}

  @Get('add-sse')
  @RouteConfig(NO_HEAD)
  @ApiOperation({
    summary: 'Onboard a WhatsApp account over Server-Sent Events (seed 000)',
    description:
      'Messages, as `data: <json>`: `{ sessionId }`; `{ connection: "connecting", qr, sessionId }` per QR; ' +
      '(with `?phoneNumber=`: one `{ connection: "connecting", pairingCode, sessionId }` instead of the QR messages); `{ connection: "connecting", sessionId }` after the scan; `{ connection: "open", sessionId, phoneNumber, deviceName, accountType }` ' +
      '(then the stream ends); `{ connection: "close", lastDisconnect, sessionId }` while reconnecting; ' +
      '`{ connection: "close", sessionId, reason: "logged_out" | "max_retries_reached", statusCode }` or ' +
      '`{ connection: "close", sessionId, reason: "qr_expired", maxQrReached: true }` (then it ends). Every message has an SSE `id`; ' +
      'a heartbeat comment line (`: heartbeat`, no event) every SSE_HEARTBEAT_MS. A client that drops reconnects with `Last-Event-ID` ' +
      'and resumes the same onboarding (the messages it missed, then live); gone longer than SSE_RESUME_GRACE_MS before the scan, ' +
      'its session is cancelled. A `Last-Event-ID` of an onboarding that ended (or is unknown) is answered 204. Auth: bearer, `?accessToken=`, `x-api-key` + `x-user-id`/`?userId=`, ' +
      'or `x-user-id`/`?userId=` alone when AUTH_TRUST_USER_ID_HEADER=true.',
  })
  @ApiQuery({ name: 'accessToken', required: false, description: 'Access token, for EventSource' })
  @ApiQuery({ name: 'phoneNumber', required: false, example: '5215512345678', description: 'Digits with the country code: link with a pairing code (`{ connection: "connecting", pairingCode, sessionId }`) instead of QRs' })
  @ApiQuery({ name: 'userId', required: false, description: 'The user acted for (with x-api-key, or in trusted mode)' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Sent by EventSource/fetch-event-source on reconnect: resumes that onboarding' })
  @ApiProduces('text/event-stream')
  @ApiNoContentResponse({ description: 'Last-Event-ID names an onboarding that has ended: nothing more to send (EventSource stops)' })
  @ApiTooManyRequestsResponse({ description: 'TOO_MANY_CONNECTIONS: the user, the client IP or the server has as many realtime connections open as allowed (REALTIME_MAX_CONNECTIONS_PER_USER, _PER_IP, REALTIME_MAX_CONNECTIONS); nothing is created' })
  @ApiOkResponse({ description: 'An event stream', schema: { type: 'string', example: 'id: 550e8400-e29b-41d4-a716-446655440000:1\ndata: {"sessionId":"550e8400-e29b-41d4-a716-446655440000"}\n\n' } })
  async addSse(@CurrentAuth() auth: AuthContext, @Headers('last-event-id') lastEventId: string | undefined, @Res() reply: FastifyReply, @Query('phoneNumber') phoneNumber?: string): Promise<void> {
    await this.onboardings.open(auth, lastEventId, reply, phoneNumber);
  }
}
