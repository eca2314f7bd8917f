/**
 * Seed 004's per-session channel: `subscribe-session { instance_id }` and `request-qr
 * { instance_id }` (which also subscribes). `instance_id` is our session id. A session of another
 * tenant (admins included: a socket is scoped to its own tenant) is answered exactly like a
 * session that does not exist: `connection-error { error: 'SESSION_NOT_FOUND' }`, never data.
 */
import { Injectable } from '@nestjs/common';
import { SessionStore } from '../sessions/session-store.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import { currentQr, currentStatus } from './compat-events.js';
import { RealtimeBroadcaster, type Emission } from './realtime-broadcaster.js';
import { sessionRoom, type ConnectionErrorPayload, type RealtimeSocket } from './realtime-protocol.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class SessionSubscriptions {
  constructor(
    private readonly sessions: SessionStore,
    private readonly broadcaster: RealtimeBroadcaster,
  ) {}

  /** Joins the session's room; answers its current `session-status` (and `qr-code` while one is pending). */
  async subscribe(socket: RealtimeSocket, payload: unknown): Promise<void> {
    await this.join(socket, payload, (row) => {
      const qr = currentQr(row);
      return qr ? [['session-status', currentStatus(row)], ['qr-code', qr]] : [['session-status', currentStatus(row)]];
    });
  }

  /**
   * Joins the session's room; answers `qr-code` with the pending QR, else `session-status` when the
   * session is connected or on its way (no QR needed), else `connection-error { QR_NOT_AVAILABLE }`.
   */
  async requestQr(socket: RealtimeSocket, payload: unknown): Promise<void> {
    await this.join(socket, payload, (row) => {
      const qr = currentQr(row);
      if (qr) return [['qr-code', qr]];
      if (row.status === 'connected' || row.status === 'connecting') return [['session-status', currentStatus(row)]];
      const error: ConnectionErrorPayload = {
        instance_id: row.id,
        error: 'QR_NOT_AVAILABLE',
        message: `No QR code is waiting for a scan (status: ${row.status}); restart the session with POST /sessions/${row.id}/restart for a new one`,
        status: row.status,
      };
      return [['connection-error', error]];
    });
  }

  async unsubscribe(socket: RealtimeSocket, payload: unknown): Promise<void> {
    const id = instanceIdOf(payload);
    if (id !== null) await socket.leave(sessionRoom(id));
  }

  private async join(socket: RealtimeSocket, payload: unknown, answer: (row: SessionEntity) => Emission[]): Promise<void> {
    const auth = socket.data.auth;
    if (socket.data.phase !== 'ready' || !auth) {
      socket.emit('connection-error', { error: 'UNAUTHORIZED', message: 'Authenticate first: authenticate { token }' });
      return;
    }
    const id = instanceIdOf(payload);
    if (id === null) {
      socket.emit('connection-error', { error: 'BAD_REQUEST', message: 'Send { instance_id: "<session id>" }' });
      return;
    }
    const joined = UUID.test(id) && await this.broadcaster.joinWithState(socket, sessionRoom(id), async () => {
      const row = await this.sessions.findById(id);
      return row && row.tenantId === auth.tenantId ? answer(row) : null;
    });
    if (!joined && socket.connected) {
      socket.emit('connection-error', { instance_id: id, error: 'SESSION_NOT_FOUND', message: 'No session of yours has this instance_id' });
    }
  }
}

function instanceIdOf(payload: unknown): string | null {
  const id = payload && typeof payload === 'object' ? (payload as { instance_id?: unknown }).instance_id : undefined;
  return typeof id === 'string' && id !== '' && id.length <= 200 ? id : null;
}
