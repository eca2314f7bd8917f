/**
 * Sandbox bodies are authenticated before they are parsed: a `preParsing` hook checks the caller's
 * credentials (headers or query: `Authorization`, `?accessToken=`, `x-api-key` + `x-user-id`) on
 * every `/sandbox/…` request and answers 401 without reading the body. A contact's media message may
 * be ~140 MB of base64 (its route's limit); nobody unauthenticated gets to make the app parse that.
 * Size limits stay Fastify's (BODY_LIMIT_BYTES, or the media limit on that one route), checked
 * while the body streams in. The global guard still authenticates again afterwards (roles, body
 * `userId` is not honoured on sandbox routes since the body is not read yet).
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticationService } from '../auth/authentication.service.js';
import { AppError } from '../common/app-error.js';
import { renderError } from '../common/error-body.js';

@Injectable()
export class SandboxBodyGuard implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authentication: AuthenticationService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('preParsing', async (request, reply, payload) => {
      if (!request.url.startsWith('/sandbox/')) return payload;
      try {
        await this.authentication.authenticate({ headers: request.headers, query: request.query as Record<string, unknown> });
      } catch (err) {
        this.refuse(request, reply, err instanceof AppError ? err : AppError.unauthorized());
      }
      return payload;
    });
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, err: AppError): void {
    const rendered = renderError(err, request.id);
    reply.hijack();
    // The body is never read: the connection closes after the answer instead of draining it.
    reply.raw.writeHead(rendered.status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': request.id, connection: 'close', ...rendered.headers });
    reply.raw.end(JSON.stringify(rendered.body));
  }
}
