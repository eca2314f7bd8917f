/** When a failed media download is tried again, and what of its error is kept. Pure functions. */

const MAX_RETRY_DELAY_MS = 3_600_000;

/** base × 4^(attempt − 1), ±25 % jitter (`random` in [0, 1)), at most an hour. */
export function retryDelayMs(attempt: number, baseMs: number, random: number): number {
  const delay = Math.min(baseMs * 4 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
  return Math.round(delay * (0.75 + random * 0.5));
}

/** An error's message (and its cause's) for the row and the log: no query strings (CDN URLs carry signatures). */
export function describeFailure(err: unknown): string {
  const clean = (text: string): string => text.replace(/\?\S*/g, '?…').split('\u0000').join('');
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${clean(err.cause.message)}` : '';
  return (clean(err instanceof Error ? err.message : String(err)) + cause).slice(0, 500);
}
