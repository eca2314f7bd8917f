/**
 * Counts failed logins in the database and turns them into 429s. Keys: one account from one client
 * IP (so that a stranger's wrong passwords lock only the stranger, never the owner elsewhere), one
 * IP across accounts (password spraying), and the account from all IPs together as a backstop that
 * spaces attempts (LOGIN_ACCOUNT_SLOWDOWN_*) but never locks.
 */
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Mutex } from 'async-mutex';
import { LessThan, MoreThan, type FindOptionsWhere, type Repository } from 'typeorm';
import { AppError } from '../../common/app-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { LoginFailureEntity } from '../entities/login-failure.entity.js';
import { accountKey, combineDecisions, decideSlowdown, decideThrottle, type ThrottleDecision } from './login-throttle.policy.js';

/** Ends an admitted attempt (lets the account's next one in, when it is being slowed). */
export type Release = () => void;

const NOTHING_HELD: Release = () => undefined;

@Injectable()
export class LoginThrottleService {
  /** Accounts being slowed: their attempts in this process are checked and verified one at a time. */
  private readonly slowed = new Map<string, { mutex: Mutex; users: number }>();

  constructor(
    @InjectRepository(LoginFailureEntity) private readonly failures: Repository<LoginFailureEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Throws 429 with Retry-After when the (account, IP) pair or the IP has used up its failures, or
   * when the account is being slowed and its latest failure is too recent. The caller verifies the
   * password, records a failure if any, then calls the release it got.
   */
  async admit(email: string, ip: string): Promise<Release> {
    const key = accountKey(email);
    const { loginMaxFailuresPerAccountIp, loginMaxFailuresPerIp, loginFailureWindowSeconds: windowSeconds } = this.config.auth;
    const now = new Date();
    const since = MoreThan(new Date(now.getTime() - windowSeconds * 1000));
    const [byPair, byIp, slowdown] = await Promise.all([
      this.recent({ accountKey: key, ip, occurredAt: since }, loginMaxFailuresPerAccountIp),
      this.recent({ ip, occurredAt: since }, loginMaxFailuresPerIp),
      this.slowdown(key, now),
    ]);
    throwUnlessAllowed(combineDecisions([
      decideThrottle(byPair, { maxFailures: loginMaxFailuresPerAccountIp, windowSeconds }, now),
      decideThrottle(byIp, { maxFailures: loginMaxFailuresPerIp, windowSeconds }, now),
      slowdown,
    ]));
    const failing = await this.failures.count({ where: { accountKey: key, occurredAt: since } });
    if (failing < this.config.auth.loginAccountSlowdownAfter) return NOTHING_HELD;
    // Slowed: one attempt at a time here, each re-checking the spacing after the previous one's
    // failure was written, so that a burst sent at once gets one guess, not a burst of them.
    const release = await this.hold(key);
    try {
      throwUnlessAllowed(await this.slowdown(key, new Date()));
      return release;
    } catch (err) {
      release();
      throw err;
    }
  }

  async recordFailure(email: string, ip: string, now = new Date()): Promise<void> {
    await this.failures.insert({ accountKey: accountKey(email), ip, occurredAt: now });
    // Prune what no longer counts, so the table stays as small as the window.
    const cutoff = new Date(now.getTime() - this.config.auth.loginFailureWindowSeconds * 1000);
    await this.failures.delete({ occurredAt: LessThan(cutoff) });
  }

  /**
   * A successful login forgives the account's failures from that IP only: a stranger's failures
   * elsewhere stay counted (the owner logging in must not hand them new guesses).
   */
  async clearAccount(email: string, ip: string): Promise<void> {
    await this.failures.delete({ accountKey: accountKey(email), ip });
  }

  private async slowdown(key: string, now: Date): Promise<ThrottleDecision> {
    const { loginAccountSlowdownAfter: after, loginAccountSlowdownSeconds: intervalSeconds, loginFailureWindowSeconds } = this.config.auth;
    const since = MoreThan(new Date(now.getTime() - loginFailureWindowSeconds * 1000));
    const latest = await this.recent({ accountKey: key, occurredAt: since }, 1);
    if (latest.length === 0 || latest[0].getTime() + intervalSeconds * 1000 <= now.getTime()) return { allowed: true };
    const count = await this.failures.count({ where: { accountKey: key, occurredAt: since } });
    return decideSlowdown(count, latest[0], { after, intervalSeconds }, now);
  }

  private async hold(key: string): Promise<Release> {
    let entry = this.slowed.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.slowed.set(key, entry);
    }
    entry.users += 1;
    const held = entry;
    const unlock = await held.mutex.acquire();
    return () => {
      unlock();
      held.users -= 1;
      if (held.users === 0 && this.slowed.get(key) === held) this.slowed.delete(key);
    };
  }

  private async recent(where: FindOptionsWhere<LoginFailureEntity>, limit: number): Promise<Date[]> {
    const rows = await this.failures.find({ where, order: { occurredAt: 'DESC' }, take: limit, select: { occurredAt: true } });
    return rows.map((r) => r.occurredAt);
  }
}

function throwUnlessAllowed(decision: ThrottleDecision): void {
  if (!decision.allowed) throw AppError.tooManyRequests(decision.retryAfterSeconds, 'Too many failed logins; try again later');
}
