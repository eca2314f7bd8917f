/**
 * What a session does when its WhatsApp socket closes: the one table of close codes (seed 000),
 * plus the QR and retry budgets. Pure, so every row is unit-tested.
 */
export type CloseAction =
  /** Open a new socket at once; does not count as a retry (515 after pairing). */
  | { kind: 'reconnect-now' }
  /** Open a new socket after `delayMs`; counts as retry number `attempt`. */
  | { kind: 'reconnect'; attempt: number; delayMs: number }
  /** WhatsApp unlinked the device: wipe everything, end as logged_out. */
  | { kind: 'logged-out' }
  /** The QR budget ran out unscanned: end as expired. */
  | { kind: 'expired' }
  /** The retry budget ran out: end as error / max_retries_reached. */
  | { kind: 'give-up' };

export const DISCONNECT_REASONS: Record<number, string> = {
  401: 'logged_out',
  403: 'forbidden',
  408: 'timed_out',
  411: 'multidevice_mismatch',
  428: 'connection_closed',
  440: 'connection_replaced',
  500: 'bad_session',
  503: 'unavailable_service',
  515: 'restart_required',
};

export interface CloseContext {
  statusCode: number;
  /** The session has paired (its credentials carry an account). */
  registered: boolean;
  /** Retries already used since the last successful open. */
  attempts: number;
  maxRetries: number;
  qrCount: number;
  maxQr: number;
  baseDelayMs: number;
  /** A number in [0, 1) for jitter (injected for tests). */
  random: number;
  /** After a 405: the WhatsApp Web version was read again and changed (wa-version.ts). */
  versionChanged?: boolean;
}

const MAX_DELAY_MS = 60_000;

export function decideOnClose(ctx: CloseContext): CloseAction {
  if (ctx.statusCode === 401) return { kind: 'logged-out' };
  if (ctx.statusCode === 515) return { kind: 'reconnect-now' };
  // 405: WhatsApp no longer accepts the version announced; with a new one, try again at once.
  if (ctx.statusCode === 405 && ctx.versionChanged) return { kind: 'reconnect-now' };
  if (!ctx.registered && ctx.qrCount >= ctx.maxQr) return { kind: 'expired' };
  if (ctx.attempts >= ctx.maxRetries) return { kind: 'give-up' };
  const attempt = ctx.attempts + 1;
  const exponential = Math.min(MAX_DELAY_MS, ctx.baseDelayMs * 2 ** (attempt - 1));
  // Equal jitter: at least half the exponential delay, so retries never bunch up at zero.
  const delayMs = Math.round(exponential / 2 + (exponential / 2) * ctx.random);
  return { kind: 'reconnect', attempt, delayMs };
}

export function reasonForCode(statusCode: number): string {
  return DISCONNECT_REASONS[statusCode] ?? `closed_${statusCode}`;
}
