/**
 * What to do after one delivery attempt: pure functions (no clock, no randomness of their own)
 * so that the retry rules are unit-tested exactly.
 */

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 5 * 60_000;
/** A Retry-After longer than this is clamped (a misconfigured receiver must not park a row for days). */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;
/** Never retry in a tight loop, even when the jitter draws zero. */
export const MIN_RETRY_DELAY_MS = 50;

export interface AttemptResult {
  /** HTTP status, or null when no response arrived (refused, reset, timeout). */
  statusCode: number | null;
  retryAfter?: string | null;
  error?: string | null;
}

export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'dead'; reason: 'rejected' | 'exhausted' };

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))]. */
export function backoffDelayMs(attempt: number, random: () => number = Math.random, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(MIN_RETRY_DELAY_MS, Math.floor(random() * ceiling));
}

/** `Retry-After` as delay-seconds or an HTTP date; null when absent or unparsable. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+$/.test(trimmed)) return Math.min(RETRY_AFTER_CAP_MS, Number(trimmed) * 1000);
  // An HTTP date names its day and month ("Sun, 22 Nov 2026 10:30:05 GMT"); bare numbers are not dates.
  const at = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(at)) return null;
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, at - nowMs));
}

export function isSuccess(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/** A 4xx other than 408 (timeout) and 429 (rate limited) means the request itself is wrong. */
export function isFinalFailure(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429;
}

export function decideOutcome(
  result: AttemptResult,
  attempt: number,
  maxAttempts: number,
  nowMs: number,
  random: () => number = Math.random,
): AttemptOutcome {
  if (isSuccess(result.statusCode)) return { kind: 'delivered' };
  if (isFinalFailure(result.statusCode)) return { kind: 'dead', reason: 'rejected' };
  if (attempt >= maxAttempts) return { kind: 'dead', reason: 'exhausted' };
  const honoured = result.statusCode === 429 || result.statusCode === 503 ? parseRetryAfterMs(result.retryAfter, nowMs) : null;
  return { kind: 'retry', delayMs: honoured ?? backoffDelayMs(attempt, random) };
}
