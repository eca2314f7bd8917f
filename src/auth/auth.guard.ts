/**
 * The one global guard: authenticates every HTTP route not marked `@Public()`, puts the
 * AuthContext on `request.auth`, and enforces `@Roles()`. WebSocket gateways authenticate on
 * their own through AuthenticationService (this guard lets non-HTTP contexts through).
 */
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import { IS_PUBLIC, REQUIRED_ROLES, type RequestWithAuth, type Role } from '../common/auth-context.js';
import { AuthenticationService } from './authentication.service.js';

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithAuth>();
    const query = (request.query ?? {}) as Record<string, unknown>;
    if (query.accessToken !== undefined && !hasLiteralParam(request.url, 'accessToken')) {
      throw AppError.badRequest('Send the access token as ?accessToken= spelled literally (no percent-escapes in the name)');
    }
    const { auth, consumed } = await this.authentication.authenticate({ headers: request.headers, query, body: request.body });
    request.auth = auth;
    // Credentials are not input: remove them so that handlers' DTOs (which forbid unknown fields)
    // never see them, and so they cannot leak into anything a handler stores.
    if (consumed.queryAccessToken) delete query.accessToken;
    if (consumed.queryUserId) delete query.userId;
    if (consumed.bodyUserId) delete (request.body as Record<string, unknown>).userId;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && roles.length > 0 && !roles.includes(auth.role)) {
      throw AppError.forbidden(`This operation requires the ${roles.join(' or ')} role`);
    }
    return true;
  }
}

/**
 * Whether the raw query string names `name` literally. The query parser percent-decodes names, so
 * `?accessTok%65n=` would reach handlers as `accessToken`; a credential is only taken under the
 * spelling every log redaction and proxy rule expects.
 */
export function hasLiteralParam(url: string, name: string): boolean {
  const q = url.indexOf('?');
  if (q < 0) return false;
  return url.slice(q + 1).split(/[&#]/).some((part) => part === name || part.startsWith(`${name}=`));
}
