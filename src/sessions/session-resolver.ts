/**
 * Which session a /chats or /contacts call is about: `sessionId` when given (another tenant's is
 * a 404), else the tenant's only session (400 SESSION_REQUIRED when there are several).
 */
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { SessionsService } from './sessions.service.js';
import type { SessionEntity } from './session.entity.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class SessionResolver {
  constructor(private readonly sessions: SessionsService) {}

  async resolve(auth: AuthContext, sessionId: string | undefined): Promise<SessionEntity> {
    if (sessionId !== undefined) {
      if (!UUID.test(sessionId)) throw AppError.badRequest('sessionId must be a UUID', [{ field: 'sessionId', errors: ['must be a UUID'] }]);
      return this.sessions.get(auth, sessionId);
    }
    const own = (await this.sessions.list(auth)).filter((s) => s.tenantId === auth.tenantId);
    if (own.length === 1) return own[0]!;
    if (own.length === 0) throw AppError.notFound('The tenant has no session');
    throw new AppError(HttpStatus.BAD_REQUEST, 'SESSION_REQUIRED', 'The tenant has several sessions: pass ?sessionId=', [{ field: 'sessionId', errors: ['required'] }]);
  }
}
