import type { AuthContext } from '../common/auth-context.js';
import { AppError } from '../common/app-error.js';
import { assertTenantAccess, canAccessTenant, tenantScope } from './tenant-scope.js';

const user: AuthContext = { userId: 'u1', tenantId: 't1', role: 'user', via: 'jwt' };
const admin: AuthContext = { userId: 'a1', tenantId: 't0', role: 'admin', via: 'jwt' };

describe('tenant scope', () => {
  it('pins users to their tenant', () => {
    expect(tenantScope(user)).toEqual({ tenantId: 't1' });
    expect(tenantScope(user, 't1')).toEqual({ tenantId: 't1' });
    expect(() => tenantScope(user, 't2')).toThrow(AppError);
  });

  it('lets admins see every tenant or pick one', () => {
    expect(tenantScope(admin)).toEqual({});
    expect(tenantScope(admin, 't2')).toEqual({ tenantId: 't2' });
  });

  it('answers 404 for another tenant’s object', () => {
    expect(canAccessTenant(user, 't2')).toBe(false);
    expect(canAccessTenant(admin, 't2')).toBe(true);
    expect(() => assertTenantAccess(user, 't2', 'Session')).toThrow('Session not found');
    expect(() => assertTenantAccess(user, 't1')).not.toThrow();
  });
});
