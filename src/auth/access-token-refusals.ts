/**
 * The access-token refusals of logout-all, password reset and user deletion, kept in PostgreSQL
 * (`access_token_refusals`) so that they survive a restart: each is written in the transaction of
 * the change it reports, and the unexpired ones are loaded into the in-memory registry
 * (credential-revocations.ts) before the app serves anything. Requests are checked in memory only;
 * a revocation relayed from another node is applied in memory only (the node that made it wrote
 * the row). Expired rows are deleted by retention (retention-rules.ts).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CredentialRevocations } from './credential-revocations.js';

@Injectable()
export class AccessTokenRefusals implements OnModuleInit {
  private readonly ttlMs: number;
  private readonly logger: AppLogger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: CredentialRevocations,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.ttlMs = config.auth.accessTtlSeconds * 1000;
    this.logger = logger.child({ module: 'auth' });
  }

  /**
   * Stores, in the caller's transaction, that `userId`'s access tokens issued until now are refused
   * for one access-token lifetime (a later refusal of the same user wins). Returns the instant (ms),
   * for the revocation published once the transaction committed.
   */
  async record(manager: EntityManager, userId: string): Promise<number> {
    const at = Date.now();
    await manager.query(
      `INSERT INTO access_token_refusals (user_id, not_before_ms, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET
         not_before_ms = GREATEST(access_token_refusals.not_before_ms, EXCLUDED.not_before_ms),
         expires_at = GREATEST(access_token_refusals.expires_at, EXCLUDED.expires_at)`,
      [userId, at, new Date(at + this.ttlMs)],
    );
    return at;
  }

  async onModuleInit(): Promise<void> {
    const rows = (await this.dataSource.query(
      `SELECT user_id::text AS "userId", not_before_ms::text AS "notBeforeMs", expires_at AS "expiresAt"
         FROM access_token_refusals WHERE expires_at > now()`,
    )) as Array<{ userId: string; notBeforeMs: string; expiresAt: Date | string }>;
    for (const row of rows) this.revocations.restore(row.userId, Number(row.notBeforeMs), new Date(row.expiresAt).getTime());
    if (rows.length > 0) this.logger.info({ count: rows.length }, 'access-token refusals loaded');
  }
}
