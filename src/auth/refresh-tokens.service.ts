/**
 * Refresh tokens with rotation and reuse detection. Each login starts a family; each refresh
 * marks the presented token rotated and issues the next one in the same family. Presenting a
 * token that was already rotated means it leaked (or a client raced itself): the whole family is
 * revoked, so the newest token stops working too.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { IsNull, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { issueSecret, parseSecret, secretMatches } from './crypto/secret-token.js';
import { RefreshTokenEntity } from './entities/refresh-token.entity.js';

export interface IssuedRefreshToken {
  refreshToken: string;
  expiresAt: Date;
}

export interface RotatedRefreshToken extends IssuedRefreshToken {
  userId: string;
}

type RotationOutcome =
  | { kind: 'rotated'; userId: string; next: IssuedRefreshToken }
  | { kind: 'reused' }
  | { kind: 'invalid'; message: string };

@Injectable()
export class RefreshTokensService {
  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly tokens: Repository<RefreshTokenEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts a new family (login). */
  async issue(userId: string): Promise<IssuedRefreshToken> {
    return this.insert(this.tokens.manager, userId, randomUUID(), new Date());
  }

  /** Exchanges a valid token for the next one of its family; 401 otherwise. */
  async rotate(token: string): Promise<RotatedRefreshToken> {
    const parsed = parseSecret(token);
    if (!parsed) throw AppError.unauthorized('Invalid refresh token');
    const outcome = await this.dataSource.transaction(async (manager): Promise<RotationOutcome> => {
      const row = await manager.findOne(RefreshTokenEntity, { where: { id: parsed.id }, lock: { mode: 'pessimistic_write' } });
      if (!row || !secretMatches(parsed.secret, row.tokenHash)) return { kind: 'invalid', message: 'Invalid refresh token' };
      const now = new Date();
      if (row.revokedAt) return { kind: 'invalid', message: 'Refresh token revoked' };
      if (row.rotatedAt) {
        await this.revokeFamilyWith(manager, row.familyId, now);
        return { kind: 'reused' };
      }
      if (row.expiresAt <= now) return { kind: 'invalid', message: 'Refresh token expired' };
      await manager.update(RefreshTokenEntity, { id: row.id }, { rotatedAt: now });
      const next = await this.insert(manager, row.userId, row.familyId, now);
      return { kind: 'rotated', userId: row.userId, next };
    });
    switch (outcome.kind) {
      case 'rotated':
        return { userId: outcome.userId, ...outcome.next };
      case 'reused':
        throw AppError.unauthorized('Refresh token reuse detected; all sessions of this login were revoked');
      case 'invalid':
        throw AppError.unauthorized(outcome.message);
    }
  }

  /** Logout: revokes the family of a genuine token; silently ignores anything else. */
  async revokeFamilyOf(token: string): Promise<void> {
    const parsed = parseSecret(token);
    if (!parsed) return;
    const row = await this.tokens.findOne({ where: { id: parsed.id } });
    if (!row || !secretMatches(parsed.secret, row.tokenHash)) return;
    await this.revokeFamilyWith(this.tokens.manager, row.familyId, new Date());
  }

  /** Logout everywhere, password reset: every family of the user. */
  async revokeAllForUser(userId: string, manager: EntityManager = this.tokens.manager): Promise<void> {
    await manager.update(RefreshTokenEntity, { userId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  private async revokeFamilyWith(manager: EntityManager, familyId: string, now: Date): Promise<void> {
    await manager.update(RefreshTokenEntity, { familyId, revokedAt: IsNull() }, { revokedAt: now });
  }

  private async insert(manager: EntityManager, userId: string, familyId: string, now: Date): Promise<IssuedRefreshToken> {
    const secret = issueSecret();
    const expiresAt = new Date(now.getTime() + this.config.auth.refreshTtlDays * 86_400_000);
    await manager.insert(RefreshTokenEntity, {
      id: secret.id, userId, familyId, tokenHash: secret.hash, expiresAt, rotatedAt: null, revokedAt: null, createdAt: now,
    });
    return { refreshToken: secret.token, expiresAt };
  }
}
