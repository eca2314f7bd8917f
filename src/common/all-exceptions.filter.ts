import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from './error-body.js';
import type { AppLogger } from './logger.js';

/** The one error shape for every HTTP error Nest sees. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const rendered = renderError(exception, String(request.id));
    if (rendered.status >= 500) this.logger.error({ err: exception, reqId: request.id }, 'request failed');
    if (reply.sent || reply.raw.headersSent) return;
    void reply.status(rendered.status).headers(rendered.headers).send(rendered.body);
  }
}
