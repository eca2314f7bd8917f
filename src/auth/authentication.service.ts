/**
 * Turns the credentials of a request (HTTP, SSE, Socket.io handshake) into an AuthContext.
 * Order: `Authorization: Bearer <jwt>`, `?accessToken=<jwt>`, `x-api-key` (+ user id), then, when
 * AUTH_TRUST_USER_ID_HEADER=true, a bare user id. A credential that is present but wrong is a 401;
 * it never falls through to the next method.
 */
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AccessTokensService } from './access-tokens.service.js';
import { ApiKeysService } from './api-keys.service.js';
import { UserEntity } from './entities/user.entity.js';

export interface CredentialSource {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown> | null;
  body?: unknown;
}

/** Request fields that carried credentials; the guard removes them before DTO validation. */
export interface ConsumedCredentials {
  queryAccessToken: boolean;
  queryUserId: boolean;
  bodyUserId: boolean;
}

export interface Authenticated {
  auth: AuthContext;
  /** When the credential stops being valid: the access token's expiry; null for API keys and trusted ids. */
  expiresAt: Date | null;
  consumed: ConsumedCredentials;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOTHING_CONSUMED: ConsumedCredentials = { queryAccessToken: false, queryUserId: false, bodyUserId: false };

function header(headers: CredentialSource['headers'], name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw AppError.unauthorized(`Send the ${name} header once`);
  return value === undefined || value === '' ? undefined : value;
}

@Injectable()
export class AuthenticationService {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly apiKeys: ApiKeysService,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Verifies an access token (JWT). Throws AppError 401. For Socket.io `handshake.auth.token`. */
  async verifyAccessToken(token: string): Promise<{ auth: AuthContext; expiresAt: Date }> {
    return this.accessTokens.verify(token);
  }

  /** Authenticates a request from its headers, query and body. Throws AppError 401. */
  async authenticate(source: CredentialSource): Promise<Authenticated> {
    const authorization = header(source.headers, 'authorization');
    if (authorization !== undefined) {
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
      if (!match) throw AppError.unauthorized('The Authorization header must be "Bearer <access token>"');
      return { ...(await this.accessTokens.verify(match[1])), consumed: NOTHING_CONSUMED };
    }
    const queryToken = source.query?.accessToken;
    if (queryToken !== undefined) {
      if (typeof queryToken !== 'string' || queryToken === '') throw AppError.unauthorized('Invalid access token');
      return { ...(await this.accessTokens.verify(queryToken)), consumed: { ...NOTHING_CONSUMED, queryAccessToken: true } };
    }
    const apiKey = header(source.headers, 'x-api-key');
    if (apiKey !== undefined) {
      const key = await this.apiKeys.verify(apiKey);
      const actor = this.userIdOf(source);
      if (!actor) throw AppError.unauthorized('An API key must name the user it acts for: send x-user-id (or userId)');
      return { auth: { ...(await this.actingUser(actor.userId, 'api-key')), apiKeyId: key.id }, expiresAt: null, consumed: actor.consumed };
    }
    if (this.config.auth.trustUserIdHeader) {
      const actor = this.userIdOf(source);
      if (actor) return { auth: await this.actingUser(actor.userId, 'trusted-header'), expiresAt: null, consumed: actor.consumed };
    }
    throw AppError.unauthorized(
      this.config.auth.trustUserIdHeader
        ? 'Authentication required: Bearer access token, ?accessToken=, x-api-key with x-user-id, or x-user-id'
        : 'Authentication required: Bearer access token, ?accessToken=, or x-api-key with x-user-id',
    );
  }

  /** The user id named by `x-user-id`, else `?userId=`, else a `userId` body field (seed 000). */
  private userIdOf(source: CredentialSource): { userId: unknown; consumed: ConsumedCredentials } | null {
    const fromHeader = header(source.headers, 'x-user-id');
    if (fromHeader !== undefined) return { userId: fromHeader, consumed: NOTHING_CONSUMED };
    const fromQuery = source.query?.userId;
    if (fromQuery !== undefined) return { userId: fromQuery, consumed: { ...NOTHING_CONSUMED, queryUserId: true } };
    const body = source.body;
    if (body && typeof body === 'object' && !Array.isArray(body) && 'userId' in body) {
      return { userId: (body as { userId: unknown }).userId, consumed: { ...NOTHING_CONSUMED, bodyUserId: true } };
    }
    return null;
  }

  private async actingUser(userId: unknown, via: AuthContext['via']): Promise<AuthContext> {
    if (typeof userId !== 'string' || !UUID.test(userId)) throw AppError.unauthorized('Unknown user');
    const user = await this.users.findOne({ where: { id: userId }, select: { id: true, tenantId: true, role: true } });
    if (!user) throw AppError.unauthorized('Unknown user');
    return { userId: user.id, tenantId: user.tenantId, role: user.role, via };
  }
}
