/** Tenants as the caller may see them: all for admins, its own for users. */
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { AuthContext } from '../common/auth-context.js';
import { mapTenant, type TenantListDto } from './dto/tenant.dto.js';
import { TenantEntity } from './entities/tenant.entity.js';

@Injectable()
export class TenantsService {
  constructor(@InjectRepository(TenantEntity) private readonly tenants: Repository<TenantEntity>) {}

  async list(auth: AuthContext): Promise<TenantListDto> {
    const where = auth.role === 'admin' ? {} : { id: auth.tenantId };
    const rows = await this.tenants.find({ where, order: { createdAt: 'ASC', id: 'ASC' } });
    return { items: rows.map(mapTenant) };
  }
}
