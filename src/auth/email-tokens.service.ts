/** Single-use, expiring tokens for e-mail verification and password reset (stored as digests). */
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type EntityManager, type Repository } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { issueSecret, parseSecret, secretMatches } from './crypto/secret-token.js';
import { EmailTokenEntity, type EmailTokenPurpose } from './entities/email-token.entity.js';

@Injectable()
export class EmailTokensService {
  constructor(
    @InjectRepository(EmailTokenEntity) private readonly tokens: Repository<EmailTokenEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.auth.emailTokenTtlSeconds;
  }

  async issue(userId: string, purpose: EmailTokenPurpose, manager: EntityManager = this.tokens.manager): Promise<string> {
    const secret = issueSecret();
    const now = new Date();
    await manager.insert(EmailTokenEntity, {
      id: secret.id, userId, purpose, tokenHash: secret.hash, usedAt: null, createdAt: now,
      expiresAt: new Date(now.getTime() + this.ttlSeconds * 1000),
    });
    return secret.token;
  }

  /**
   * Marks the token used and returns its user id, or null when it is unknown, of another purpose
   * (or user), already used or expired. Runs inside the caller's transaction; the row lock makes
   * two concurrent uses of one token resolve to exactly one success.
   */
  async consume(manager: EntityManager, token: string, purpose: EmailTokenPurpose, expectedUserId?: string): Promise<string | null> {
    const parsed = parseSecret(token);
    if (!parsed) return null;
    const row = await manager.findOne(EmailTokenEntity, { where: { id: parsed.id }, lock: { mode: 'pessimistic_write' } });
    if (!row || !secretMatches(parsed.secret, row.tokenHash)) return null;
    if (row.purpose !== purpose || row.usedAt || row.expiresAt <= new Date()) return null;
    if (expectedUserId !== undefined && row.userId !== expectedUserId) return null;
    const now = new Date();
    await manager.update(EmailTokenEntity, { id: row.id }, { usedAt: now });
    // Older tokens of the same purpose die with it (a reset link from last week stops working).
    await manager.update(EmailTokenEntity, { userId: row.userId, purpose, usedAt: IsNull() }, { usedAt: now });
    return row.userId;
  }
}
