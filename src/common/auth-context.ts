/**
 * What every authenticated handler receives: who acts and for which tenant. The auth module's
 * global guard puts it on the request; `@CurrentAuth()` reads it; `@Public()` opts a route out and
 * `@Roles('admin')` restricts one.
 */
import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';

export type Role = 'user' | 'admin';

export interface AuthContext {
  userId: string;
  tenantId: string;
  role: Role;
  /** How the caller authenticated. */
  via: 'jwt' | 'api-key' | 'trusted-header';
  /** The API key's id (via `api-key`): open connections close when it is revoked. */
  apiKeyId?: string;
  /** When the access token was issued, ms (via `jwt`): logout-all revokes the tokens issued before it. */
  tokenIssuedAtMs?: number;
}

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLES = 'auth:roles';

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

export interface RequestWithAuth {
  auth?: AuthContext;
}

export const CurrentAuth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const request = ctx.switchToHttp().getRequest<RequestWithAuth>();
  if (!request.auth) throw new Error('CurrentAuth used on a route without authentication');
  return request.auth;
});
