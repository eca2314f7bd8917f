/** Counts failed logins per account and per IP in the database and turns them into 429s. */
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThan, type FindOptionsWhere, type Repository } from 'typeorm';
import { AppError } from '../../common/app-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { LoginFailureEntity } from '../entities/login-failure.entity.js';
import { accountKey, combineDecisions, decideThrottle, type ThrottleLimit } from './login-throttle.policy.js';

@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectRepository(LoginFailureEntity) private readonly failures: Repository<LoginFailureEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Throws 429 with Retry-After when the account or the IP has used up its failures. */
  async assertAllowed(email: string, ip: string, now = new Date()): Promise<void> {
    const { loginMaxFailuresPerAccount, loginMaxFailuresPerIp, loginFailureWindowSeconds } = this.config.auth;
    const since = new Date(now.getTime() - loginFailureWindowSeconds * 1000);
    const [byAccount, byIp] = await Promise.all([
      this.recent({ accountKey: accountKey(email), occurredAt: MoreThan(since) }, loginMaxFailuresPerAccount),
      this.recent({ ip, occurredAt: MoreThan(since) }, loginMaxFailuresPerIp),
    ]);
    const account: ThrottleLimit = { maxFailures: loginMaxFailuresPerAccount, windowSeconds: loginFailureWindowSeconds };
    const perIp: ThrottleLimit = { maxFailures: loginMaxFailuresPerIp, windowSeconds: loginFailureWindowSeconds };
    const decision = combineDecisions([decideThrottle(byAccount, account, now), decideThrottle(byIp, perIp, now)]);
    if (!decision.allowed) {
      throw AppError.tooManyRequests(decision.retryAfterSeconds, 'Too many failed logins; try again later');
    }
  }

  async recordFailure(email: string, ip: string, now = new Date()): Promise<void> {
    await this.failures.insert({ accountKey: accountKey(email), ip, occurredAt: now });
    // Prune what no longer counts, so the table stays as small as the window.
    const cutoff = new Date(now.getTime() - this.config.auth.loginFailureWindowSeconds * 1000);
    await this.failures.delete({ occurredAt: LessThan(cutoff) });
  }

  /** A successful login forgives the account's failures (the IP's stay counted). */
  async clearAccount(email: string): Promise<void> {
    await this.failures.delete({ accountKey: accountKey(email) });
  }

  private async recent(where: FindOptionsWhere<LoginFailureEntity>, limit: number): Promise<Date[]> {
    const rows = await this.failures.find({ where, order: { occurredAt: 'DESC' }, take: limit, select: { occurredAt: true } });
    return rows.map((r) => r.occurredAt);
  }
}
