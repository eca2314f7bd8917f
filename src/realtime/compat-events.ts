/**
 * Seed 004's per-session events, derived from domain events (pure, unit-tested). Subscribers of a
 * session (`subscribe-session` / `request-qr`) get:
 * - `session-status` on every status change;
 * - `qr-code { qr, expiresAt }` on every QR;
 * - `qr-expired` when the QR budget runs out (status `expired`);
 * - `connection-error { error, message }` on closes with an error: reconnectable closes (except the
 *   routine 515 restart after pairing), `logged_out` by the phone, `max_retries_reached`, and the
 *   session's deletion. A stop or logout asked through the API is not an error: status only.
 */
import type { DomainEvent } from '../events/event-map.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import type { CompatEventName, CompatEvents, ConnectionErrorPayload, SessionStatusPayload } from './realtime-protocol.js';

export type CompatEmit = { [K in CompatEventName]: { name: K; payload: Parameters<CompatEvents[K]>[0] } }[CompatEventName];

export const QR_EXPIRED_MESSAGE = 'QR expirado, genere uno nuevo';

/** Closes that are part of normal operation, not errors worth showing. */
const ROUTINE_REASONS = new Set(['restart_required', 'stopped', 'logout', 'paired']);

const MESSAGES: Record<string, string> = {
  LOGGED_OUT: 'The phone unlinked this device; scan a new QR code to connect again',
  MAX_RETRIES_REACHED: 'The connection could not be re-established; restart the session',
  CONNECTION_REPLACED: 'Another client opened this WhatsApp session; reconnecting',
  TIMED_OUT: 'The connection to WhatsApp timed out; reconnecting',
  SESSION_DELETED: 'The session was deleted',
};

export function toCompatEvents(event: DomainEvent): CompatEmit[] {
  const instanceId = event.sessionId;
  switch (event.type) {
    case 'session.qr.updated': {
      const p = (event as DomainEvent<'session.qr.updated'>).payload;
      return [{ name: 'qr-code', payload: { instance_id: instanceId, qr: p.qr, expiresAt: p.expiresAt } }];
    }
    case 'session.deleted':
      return [{ name: 'connection-error', payload: { instance_id: instanceId, error: 'SESSION_DELETED', message: MESSAGES.SESSION_DELETED } }];
    case 'session.status.changed': {
      const p = (event as DomainEvent<'session.status.changed'>).payload;
      const out: CompatEmit[] = [{
        name: 'session-status',
        payload: {
          instance_id: instanceId,
          status: p.status,
          phoneNumber: withPlus(p.phone),
          connectedAt: p.status === 'connected' ? event.occurredOn : null,
          reason: p.reason,
          updatedAt: event.occurredOn,
        },
      }];
      if (p.status === 'expired') out.push({ name: 'qr-expired', payload: { instance_id: instanceId, message: QR_EXPIRED_MESSAGE } });
      const error = closeError(p);
      if (error) out.push({ name: 'connection-error', payload: { instance_id: instanceId, ...error } });
      return out;
    }
    default:
      return [];
  }
}

function closeError(p: DomainEvent<'session.status.changed'>['payload']): Omit<ConnectionErrorPayload, 'instance_id'> | null {
  const reason = p.reason ?? 'closed';
  let code: string;
  switch (p.status) {
    case 'disconnected':
      if (!p.willReconnect || ROUTINE_REASONS.has(reason)) return null;
      code = reason.toUpperCase();
      break;
    case 'logged_out':
      if (reason === 'logout') return null;
      code = 'LOGGED_OUT';
      break;
    case 'error':
      code = 'MAX_RETRIES_REACHED';
      break;
    case 'init':
    case 'qr_required':
    case 'connecting':
    case 'connected':
    case 'expired':
      return null;
  }
  return {
    error: code,
    message: MESSAGES[code] ?? p.message ?? `The WhatsApp connection closed (${reason})${p.willReconnect ? '; reconnecting' : ''}`,
    statusCode: p.statusCode,
    willReconnect: p.willReconnect,
    status: p.status,
  };
}

/** The current state of a session, as `session-status` (answer to `subscribe-session`). */
export function currentStatus(row: SessionEntity): SessionStatusPayload {
  return {
    instance_id: row.id,
    status: row.status,
    phoneNumber: withPlus(row.phone),
    connectedAt: row.status === 'connected' && row.connectedAt ? row.connectedAt.toISOString() : null,
    reason: row.status === 'connected' ? null : row.disconnectedReason,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The session's QR if one is waiting for a scan and has not expired. */
export function currentQr(row: SessionEntity, now = Date.now()): { instance_id: string; qr: string; expiresAt: string } | null {
  if (row.status !== 'qr_required' || !row.qrDataUrl || !row.qrExpiresAt || row.qrExpiresAt.getTime() <= now) return null;
  return { instance_id: row.id, qr: row.qrDataUrl, expiresAt: row.qrExpiresAt.toISOString() };
}

/** Seed 004 writes phone numbers with their leading `+` (`+5491123456789`). */
function withPlus(phone: string | null): string | null {
  return phone ? `+${phone}` : null;
}
