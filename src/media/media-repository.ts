/** Media rows, always read within the caller's tenant scope. */
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { tenantScope } from '../auth/tenant-scope.js';
import { rowsOf } from '../common/sql-rows.js';
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

  async insert(
    row: Partial<Omit<MediaEntity, 'announce'>> & Pick<MediaEntity, 'id' | 'tenantId' | 'kind' | 'mime' | 'state' | 'origin'>,
    manager?: EntityManager,
  ): Promise<MediaEntity> {
    const rows = manager?.getRepository(MediaEntity) ?? this.rows;
    await rows.insert(row);
    return rows.findOneByOrFail({ id: row.id });
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.rows.manager.transaction(work);
  }

  /**
   * Deletes a row unless a download holds it. Answers whether it went and the object key that no
   * row points at any more (to delete from storage), or null when the object is still in use (the
   * upload a sent message reuses) or there was none.
   */
  async deleteUnclaimed(id: string): Promise<{ deleted: boolean; orphanKey: string | null }> {
    return this.transaction(async (manager) => {
      const [gone] = rowsOf<{ tenant_id: string; storage_key: string | null }>(await manager.query(
        `DELETE FROM wa_media WHERE id = $1 AND state <> 'downloading' RETURNING tenant_id, storage_key`, [id],
      ));
      if (!gone) return { deleted: false, orphanKey: null };
      if (!gone.storage_key) return { deleted: true, orphanKey: null };
      const [shared] = rowsOf<unknown>(await manager.query(`SELECT 1 FROM wa_media WHERE tenant_id = $1 AND storage_key = $2 LIMIT 1`, [gone.tenant_id, gone.storage_key]));
      return { deleted: true, orphanKey: shared ? null : gone.storage_key };
    });
  }
}
