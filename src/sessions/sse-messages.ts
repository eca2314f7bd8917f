/**
 * Seed 000's SSE messages, field by field and in its key order, from the session's domain events.
 * Pure: `toSseMessage` says what to send and whether the stream ends after it.
 */
import type { DomainEvent } from '../events/event-map.js';

export interface SseStep {
  /** The JSON to send as `data:`; absent when the stream just ends. */
  data?: Record<string, unknown>;
  final: boolean;
}

export function toSseMessage(event: DomainEvent): SseStep | null {
  const sessionId = event.sessionId;
  switch (event.type) {
    case 'session.qr.updated': {
      const p = (event as DomainEvent<'session.qr.updated'>).payload;
      return { data: { connection: 'connecting', qr: p.qr, sessionId }, final: false };
    }
    case 'session.pairing-code': {
      const p = (event as DomainEvent<'session.pairing-code'>).payload;
      return { data: { connection: 'connecting', pairingCode: p.code, sessionId }, final: false };
    }
    case 'session.deleted':
      return { final: true };
    case 'session.status.changed': {
      const p = (event as DomainEvent<'session.status.changed'>).payload;
      switch (p.status) {
        case 'connecting':
          // Only once the phone has scanned: before that, "connecting" is just a socket opening.
          return p.phone ? { data: { connection: 'connecting', sessionId }, final: false } : null;
        case 'connected':
          return {
            data: { connection: 'open', sessionId, phoneNumber: p.phone, deviceName: p.deviceName, accountType: p.accountType ?? 'personal' },
            final: true,
          };
        case 'disconnected':
          if (!p.willReconnect) return { final: true };
          return {
            data: {
              connection: 'close',
              lastDisconnect: { error: { message: p.message ?? p.reason ?? 'Connection closed', output: { statusCode: p.statusCode ?? 500 } }, date: event.occurredOn },
              sessionId,
            },
            final: false,
          };
        case 'logged_out':
          return { data: { connection: 'close', sessionId, reason: 'logged_out', statusCode: p.statusCode ?? 401 }, final: true };
        case 'error':
          return { data: { connection: 'close', sessionId, reason: 'max_retries_reached', statusCode: p.statusCode ?? 500 }, final: true };
        case 'expired':
          return { data: { connection: 'close', sessionId, reason: 'qr_expired', maxQrReached: true }, final: true };
        case 'init':
        case 'qr_required':
          return null;
      }
      return null;
    }
    default:
      return null;
  }
}
