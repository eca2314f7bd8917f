/**
 * `@Idempotent()` on a handler that sends to WhatsApp: it then honours `Idempotency-Key`
 * (IdempotencyService), and the OpenAPI document shows the header and the 422.
 */
import { applyDecorators, type CallHandler, type ExecutionContext, HttpStatus, Injectable, type NestInterceptor, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { AppError } from '../common/app-error.js';
import type { RequestWithAuth } from '../common/auth-context.js';
import { IDEMPOTENCY_HEADER, MAX_KEY_LENGTH, readIdempotencyKey, requestFingerprint } from './idempotency-key.js';
import { IdempotencyService } from './idempotency.service.js';

export const REPLAYED_HEADER = 'idempotent-replayed';

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & RequestWithAuth>();
    const check = readIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    if (!check.ok) {
      throw new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', `Idempotency-Key ${check.reason}`, [{ field: 'Idempotency-Key', errors: [check.reason] }]);
    }
    if (check.key === undefined || !request.auth) return next.handle();
    const reply = http.getResponse<FastifyReply>();
    const fingerprint = requestFingerprint({
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?', 1)[0]!,
      params: request.params,
      query: request.query as Record<string, unknown> | undefined,
      body: request.body,
    });
    const { tenantId } = request.auth;
    const key = check.key;
    return from((async () => {
      const answer = await this.idempotency.run(tenantId, key, fingerprint, String(request.id), async () => {
        const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
        return { status: reply.statusCode, body };
      });
      if (answer.replayed) void reply.status(answer.status).header(REPLAYED_HEADER, 'true');
      return answer.body;
    })());
  }
}

/** Marks a sending handler: `Idempotency-Key` is honoured and documented. */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: `Up to ${MAX_KEY_LENGTH} visible ASCII characters. A repeat with the same key and request within 24 h answers the first answer ` +
        `(header \`${REPLAYED_HEADER}: true\`) and sends nothing; a concurrent repeat waits for the first. Keys are per tenant.`,
    }),
    ApiUnprocessableEntityResponse({ description: 'IDEMPOTENCY_KEY_REUSED: the key was used with another request' }),
  );
}
