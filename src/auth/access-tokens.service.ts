/**
 * Short-lived access tokens: JWT HS256 with claims `sub` (user), `tid` (tenant), `role`.
 * Verification pins the algorithm and checks every claim's shape, so a token signed with
 * another algorithm, tampered with, expired or missing a claim is rejected alike (401).
 */
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppError } from '../common/app-error.js';
import type { AuthContext, Role } from '../common/auth-context.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { CredentialRevocations } from './credential-revocations.js';
import { JWT_SIGNING_KEY } from './signing-key.js';

export interface AccessTokenSubject {
  id: string;
  tenantId: string;
  role: Role;
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds until the token expires. */
  expiresIn: number;
}

export interface VerifiedAccessToken {
  auth: AuthContext;
  expiresAt: Date;
}

interface AccessClaims {
  sub?: unknown;
  tid?: unknown;
  role?: unknown;
  exp?: unknown;
  typ?: unknown;
  iat?: unknown;
  /** Issued at, in ms: `iat` is whole seconds, too coarse to tell a token from a logout-all in the same second. */
  iat_ms?: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const JWT_ALGORITHM = 'HS256';

@Injectable()
export class AccessTokensService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JWT_SIGNING_KEY) private readonly signingKey: string,
    private readonly revocations: CredentialRevocations,
  ) {}

  async issue(user: AccessTokenSubject): Promise<IssuedAccessToken> {
    const expiresIn = this.config.auth.accessTtlSeconds;
    const accessToken = await this.jwt.signAsync(
      { sub: user.id, tid: user.tenantId, role: user.role, typ: 'access', iat_ms: Date.now() },
      { algorithm: JWT_ALGORITHM, expiresIn, secret: this.signingKey },
    );
    return { accessToken, expiresIn };
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token, { algorithms: [JWT_ALGORITHM], secret: this.signingKey });
    } catch (err) {
      const expired = err instanceof Error && err.name === 'TokenExpiredError';
      throw AppError.unauthorized(expired ? 'Access token expired' : 'Invalid access token');
    }
    const { sub, tid, role, exp, typ, iat, iat_ms: iatMs } = claims;
    if (
      typeof sub !== 'string' || !UUID.test(sub) ||
      typeof tid !== 'string' || !UUID.test(tid) ||
      (role !== 'user' && role !== 'admin') ||
      typeof exp !== 'number' || typ !== 'access'
    ) {
      throw AppError.unauthorized('Invalid access token');
    }
    const issuedAtMs = typeof iatMs === 'number' ? iatMs : typeof iat === 'number' ? iat * 1000 : 0;
    if (this.revocations.tokenRevoked(sub, issuedAtMs)) throw AppError.unauthorized('Access token revoked');
    return { auth: { userId: sub, tenantId: tid, role, via: 'jwt', tokenIssuedAtMs: issuedAtMs }, expiresAt: new Date(exp * 1000) };
  }
}
