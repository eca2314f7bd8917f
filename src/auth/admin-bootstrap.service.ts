/**
 * Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD at boot, in its own tenant. Idempotent
 * (an existing account is kept, its password untouched, and promoted to admin if needed) and safe
 * when several instances boot at once: a transaction-scoped advisory lock serialises them.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { PasswordHasher } from './crypto/password-hasher.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { UserEntity } from './entities/user.entity.js';

/** Arbitrary constant naming this lock among the app's advisory locks. */
const ADMIN_BOOTSTRAP_LOCK = 7_240_001;

@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger: AppLogger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'auth' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.auth.admin;
    if (!admin) return;
    // Hash outside the transaction: the lock is held only for the quick check-and-insert.
    const passwordHash = await this.hasher.hash(admin.password);
    const outcome = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_BOOTSTRAP_LOCK]);
      const existing = await manager
        .createQueryBuilder(UserEntity, 'u')
        .where('lower(u.email) = lower(:email)', { email: admin.email })
        .getOne();
      if (existing) {
        if (existing.role === 'admin') return 'kept';
        await manager.update(UserEntity, { id: existing.id }, { role: 'admin', updatedAt: new Date() });
        return 'promoted';
      }
      const now = new Date();
      const tenant: TenantEntity = { id: randomUUID(), name: 'Platform administration', createdAt: now, updatedAt: now };
      await manager.insert(TenantEntity, tenant);
      await manager.insert(UserEntity, {
        id: randomUUID(), tenantId: tenant.id, email: admin.email, name: 'Administrator', role: 'admin',
        passwordHash, emailVerifiedAt: now, createdAt: now, updatedAt: now,
      });
      return 'created';
    });
    this.logger.info({ outcome }, 'admin account from ADMIN_EMAIL checked');
  }
}
