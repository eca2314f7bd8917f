/**
 * Runs an account command (src/whatsapp/account-commands.ts) on a session's live socket, with the
 * chats module's answers: 409 SESSION_NOT_CONNECTED when it is not connected, 504 when WhatsApp does
 * not answer in time, 503 when it refuses.
 */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AccountCommands } from '../whatsapp/account-commands.js';
import { TimeoutError } from '../whatsapp/timeout.js';
import type { LiveSession } from './live-session.js';
import { SessionNotConnectedError } from './session-errors.js';
import type { SessionRegistry } from './session-registry.js';

export async function onAccount<T>(registry: SessionRegistry, session: { id: string; status: string }, fn: (commands: AccountCommands, live: LiveSession) => Promise<T>): Promise<T> {
  const live = registry.get(session.id);
  if (!live || !live.isConnected) throw notConnected(live?.status ?? session.status);
  try {
    return await fn(live.accountCommands, live);
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof SessionNotConnectedError) throw notConnected(err.status);
    if (err instanceof TimeoutError) throw new AppError(HttpStatus.GATEWAY_TIMEOUT, 'GATEWAY_TIMEOUT', 'WhatsApp did not answer in time');
    throw AppError.unavailable('WhatsApp refused the request');
  }
}

export function notConnected(status: string): AppError {
  return new AppError(HttpStatus.CONFLICT, 'SESSION_NOT_CONNECTED', `The session is not connected (status: ${status})`, { status });
}
