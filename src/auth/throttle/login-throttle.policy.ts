/**
 * Pure decisions for login throttling: given the most recent failures of one key (an account from
 * one IP, or an IP) inside the window, is another attempt allowed, and if not, how long until it
 * is; and, for an account failing from everywhere, how far apart its attempts must be.
 */
export interface ThrottleLimit {
  maxFailures: number;
  windowSeconds: number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * `recentFailures` are failure times, any order. Blocked once `maxFailures` failures lie inside
 * the window; the block lifts when the `maxFailures`-th most recent one leaves the window.
 */
export function decideThrottle(recentFailures: readonly Date[], limit: ThrottleLimit, now: Date): ThrottleDecision {
  const windowMs = limit.windowSeconds * 1000;
  const inWindow = recentFailures
    .map((d) => d.getTime())
    .filter((t) => t > now.getTime() - windowMs && t <= now.getTime())
    .sort((a, b) => b - a);
  if (inWindow.length < limit.maxFailures) return { allowed: true };
  const pivot = inWindow[limit.maxFailures - 1];
  const retryAfterMs = pivot + windowMs - now.getTime();
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
}

/** The stricter of several decisions (the longest wait wins). */
export function combineDecisions(decisions: readonly ThrottleDecision[]): ThrottleDecision {
  let worst: ThrottleDecision = { allowed: true };
  for (const d of decisions) {
    if (!d.allowed && (worst.allowed || d.retryAfterSeconds > worst.retryAfterSeconds)) worst = d;
  }
  return worst;
}

/** Accounts are keyed by their normalised e-mail, registered or not (no enumeration). */
export function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

export interface SlowdownLimit {
  /** Failures of the account (all IPs) in the window from which attempts are spaced. */
  after: number;
  /** The spacing, in seconds, after the account's latest failure. */
  intervalSeconds: number;
}

/**
 * The account-wide backstop: it slows, it never locks. Below `after` failures nothing happens;
 * from there an attempt within `intervalSeconds` of the account's latest failure waits at most
 * that long (whoever makes it), so guesses from many IPs together come no faster than one per
 * interval while the owner, wherever they are, gets in after a short wait.
 */
export function decideSlowdown(failuresInWindow: number, latestFailure: Date | undefined, limit: SlowdownLimit, now: Date): ThrottleDecision {
  if (failuresInWindow < limit.after || !latestFailure) return { allowed: true };
  const waitMs = latestFailure.getTime() + limit.intervalSeconds * 1000 - now.getTime();
  if (waitMs <= 0) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}
