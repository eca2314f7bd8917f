/**
 * Sign-up's gate: closed with SIGNUP_ENABLED=false, and at most SIGNUP_MAX_PER_IP sign-ups per
 * client IP in SIGNUP_WINDOW_SECONDS. Counted in this process's memory (a sliding window per IP,
 * pruned as it goes): each node of a cluster counts its own.
 */
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { decideThrottle } from './login-throttle.policy.js';

/** IPs tracked at once; past it the oldest entries go (a flood of addresses cannot grow memory). */
const MAX_TRACKED_IPS = 100_000;

@Injectable()
export class SignupLimit {
  private readonly byIp = new Map<string, Date[]>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Throws 403 SIGNUP_DISABLED or 429 with Retry-After; otherwise counts this sign-up. */
  take(ip: string, now = new Date()): void {
    const { enabled, maxPerIp, windowSeconds } = this.config.auth.signup;
    if (!enabled) throw new AppError(HttpStatus.FORBIDDEN, 'SIGNUP_DISABLED', 'Sign-up is closed on this server');
    const cutoff = now.getTime() - windowSeconds * 1000;
    const recent = (this.byIp.get(ip) ?? []).filter((d) => d.getTime() > cutoff);
    const decision = decideThrottle(recent, { maxFailures: maxPerIp, windowSeconds }, now);
    if (!decision.allowed) throw AppError.tooManyRequests(decision.retryAfterSeconds, 'Too many sign-ups from this address; try again later');
    recent.push(now);
    this.byIp.delete(ip);
    this.byIp.set(ip, recent);
    if (this.byIp.size > MAX_TRACKED_IPS) this.byIp.delete(this.byIp.keys().next().value!);
  }
}
