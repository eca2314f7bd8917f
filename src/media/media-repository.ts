/** Media rows, always read within the caller's tenant scope. */
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { tenantScope } from '../auth/tenant-scope.js';
import { MediaEntity } from './media.entity.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class MediaRepository {
  constructor(@InjectRepository(MediaEntity) private readonly rows: Repository<MediaEntity>) {}

  /** Another tenant's media (or no such id) is a 404, so ids of other tenants are not confirmed. */
  async findVisible(auth: AuthContext, id: string): Promise<MediaEntity> {
    const row = UUID.test(id) ? await this.rows.findOne({ where: { id, ...tenantScope(auth) } }) : null;
    if (!row) throw AppError.notFound('Media not found');
    return row;
  }

  async insert(row: Partial<Omit<MediaEntity, 'announce'>> & Pick<MediaEntity, 'id' | 'tenantId' | 'kind' | 'mime' | 'state' | 'origin'>): Promise<MediaEntity> {
    await this.rows.insert(row);
    return this.rows.findOneByOrFail({ id: row.id });
  }
}
