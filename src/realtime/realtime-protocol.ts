/**
 * The Socket.io protocol of namespace `/sessions`: event names and payloads in both directions,
 * room names, and the `session.snapshot` envelope. Seed 002 events reuse the domain envelope
 * as-is; seed 004 events (kebab-case) are the compatibility layer for per-session subscribers.
 */
import { randomUUID } from 'node:crypto';
import type { Namespace, Socket } from 'socket.io';
import type { AuthContext, Role } from '../common/auth-context.js';
import { mapSession } from '../sessions/session.dto.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import type { DomainEvent, PUBLIC_EVENT_TYPES, SessionPrimitives, SessionStatus } from '../events/event-map.js';

export const REALTIME_NAMESPACE = '/sessions';

export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];

/** `session.snapshot`: one per session of the tenant on connect; one with `session: null` when it has none. */
export interface SnapshotEnvelope {
  type: 'session.snapshot';
  /** The session's id; null only in the single snapshot of a tenant without sessions. */
  sessionId: string | null;
  eventId: string;
  occurredOn: string;
  /** Cluster mode: the session's last event sequence number when the snapshot was read (live events go on from it). */
  seq?: number;
  payload: { tenantId: string; session: SessionPrimitives | null };
}

// --- seed 004 payloads (server → client) ---

export interface AuthenticatedPayload {
  success: boolean;
  /** On failure: an error code (UNAUTHORIZED, FORBIDDEN, BAD_REQUEST, AUTH_IN_PROGRESS). */
  error?: string;
  message?: string;
  userId?: string;
  tenantId?: string;
  role?: Role;
  /** When the credential stops being valid (ISO); null for API keys. */
  expiresAt?: string | null;
}

/** Sent right before the server disconnects a socket that did not authenticate. */
export interface UnauthorizedPayload {
  code: 'UNAUTHORIZED' | 'AUTH_TIMEOUT' | 'CREDENTIAL_REVOKED' | 'TOO_MANY_CONNECTIONS';
  message: string;
}

/** Sent right before the server disconnects a socket whose access token expired. */
export interface TokenExpiredPayload {
  code: 'TOKEN_EXPIRED';
  message: string;
  expiredAt: string;
}

export interface SessionStatusPayload {
  instance_id: string;
  status: SessionStatus;
  /** The session's phone number (digits), once paired. */
  phoneNumber: string | null;
  connectedAt: string | null;
  /** Why the status changed (e.g. paired, connection_replaced, logged_out, qr_expired, stopped). */
  reason: string | null;
  updatedAt: string;
}

export interface QrCodePayload {
  instance_id: string;
  /** PNG data URL. */
  qr: string;
  expiresAt: string;
}

export interface QrExpiredPayload {
  instance_id: string;
  message: string;
}

export interface ConnectionErrorPayload {
  /** The session concerned; absent when the request named none. */
  instance_id?: string;
  /** Upper-case code: LOGGED_OUT, MAX_RETRIES_REACHED, CONNECTION_REPLACED, TIMED_OUT, SESSION_DELETED, SESSION_NOT_FOUND, QR_NOT_AVAILABLE, BAD_REQUEST, UNAUTHORIZED… */
  error: string;
  message: string;
  /** WhatsApp's close code, when the error is a close. */
  statusCode?: number | null;
  /** True when the session reconnects by itself. */
  willReconnect?: boolean;
  status?: SessionStatus;
}

export interface CompatEvents {
  'session-status': (payload: SessionStatusPayload) => void;
  'qr-code': (payload: QrCodePayload) => void;
  'qr-expired': (payload: QrExpiredPayload) => void;
  'connection-error': (payload: ConnectionErrorPayload) => void;
}
export type CompatEventName = keyof CompatEvents;

export type ServerToClientEvents = { [K in PublicEventType]: (event: DomainEvent<K>) => void } & CompatEvents & {
  'session.snapshot': (envelope: SnapshotEnvelope) => void;
  authenticated: (payload: AuthenticatedPayload) => void;
  unauthorized: (payload: UnauthorizedPayload) => void;
  'token-expired': (payload: TokenExpiredPayload) => void;
};

/** Client → server. Payloads are validated by hand: they arrive as `unknown`. */
export interface ClientToServerEvents {
  authenticate: (payload: { token: string }) => void;
  'subscribe-session': (payload: { instance_id: string }) => void;
  'unsubscribe-session': (payload: { instance_id: string }) => void;
  'request-qr': (payload: { instance_id: string }) => void;
}

/** Per-socket state, kept on `socket.data`. */
export interface SocketData {
  phase: 'pending' | 'authenticating' | 'ready';
  auth?: AuthContext;
  expiresAt?: Date | null;
  authTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
  /** Gives back the user's realtime connection slot (taken at admission). */
  releaseUser?: () => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type NoInterServerEvents = {};
export type RealtimeNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;

export const tenantRoom = (tenantId: string): string => `tenant:${tenantId}`;
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

export function toSessionPrimitives(row: SessionEntity): SessionPrimitives {
  const s = mapSession(row);
  return {
    id: s.id,
    tenantId: s.tenantId,
    status: s.status,
    phone: s.phone,
    qr: s.qr,
    qrExpiresAt: s.qrExpiresAt,
    connectedAt: s.connectedAt,
    disconnectedAt: s.disconnectedAt,
    disconnectedReason: s.disconnectedReason,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/**
 * The snapshot a socket receives on connect: one per session, or one `session: null` for none.
 * `seqs` (cluster mode): each session's last event sequence number, read before the rows.
 */
export function snapshotEnvelopes(tenantId: string, rows: SessionEntity[], now = new Date(), seqs?: ReadonlyMap<string, number>): SnapshotEnvelope[] {
  const occurredOn = now.toISOString();
  if (rows.length === 0) {
    return [{ type: 'session.snapshot', sessionId: null, eventId: randomUUID(), occurredOn, payload: { tenantId, session: null } }];
  }
  return rows.map((row) => ({
    type: 'session.snapshot',
    sessionId: row.id,
    eventId: randomUUID(),
    occurredOn,
    ...(seqs ? { seq: seqs.get(row.id) ?? 0 } : {}),
    payload: { tenantId, session: toSessionPrimitives(row) },
  }));
}
