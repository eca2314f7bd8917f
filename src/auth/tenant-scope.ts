/**
 * Tenant scoping for every module's queries. A `user` sees its own tenant only; an `admin`
 * (platform operator) sees every tenant, or the one it asks for.
 *
 *   const rows = await repo.find({ where: { ...tenantScope(auth), status: 'connected' } });
 *   const row = await repo.findOne({ where: { id, ...tenantScope(auth) } });   // another tenant's id → null → 404
 *   assertTenantAccess(auth, row.tenantId);                                     // for rows loaded otherwise
 *
 * The column must be called `tenantId` on the entity (`tenant_id` in SQL).
 */
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';

/**
 * A TypeORM `where` fragment: `{ tenantId }` for users, `{}` for admins (all tenants) unless an
 * admin names one. A user naming another tenant gets 403.
 */
export function tenantScope(auth: AuthContext, requestedTenantId?: string): { tenantId?: string } {
  if (auth.role === 'admin') return requestedTenantId ? { tenantId: requestedTenantId } : {};
  if (requestedTenantId && requestedTenantId !== auth.tenantId) throw AppError.forbidden('You can only access your own tenant');
  return { tenantId: auth.tenantId };
}

export function canAccessTenant(auth: AuthContext, tenantId: string): boolean {
  return auth.role === 'admin' || auth.tenantId === tenantId;
}

/** 404 (not 403) for another tenant's object, so ids of other tenants are not confirmed. */
export function assertTenantAccess(auth: AuthContext, tenantId: string, what = 'Resource'): void {
  if (!canAccessTenant(auth, tenantId)) throw AppError.notFound(`${what} not found`);
}
