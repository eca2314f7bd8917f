import { makeEvent } from '../events/domain-events.js';
import type { DomainEventMap, SessionStatus } from '../events/event-map.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import { currentQr, currentStatus, QR_EXPIRED_MESSAGE, toCompatEvents } from './compat-events.js';

const SESSION = '4b1a9c08-6b70-4c1c-9d5b-2b7d8fd5b901';
const TENANT = '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12';

function statusChanged(status: SessionStatus, extra: Partial<DomainEventMap['session.status.changed']> = {}) {
  return makeEvent('session.status.changed', SESSION, {
    tenantId: TENANT, status, previousStatus: 'connecting', reason: null, statusCode: null, message: null, phone: '5491100000000',
    deviceName: null, accountType: null, whatsappUserId: null, newlyPaired: false, willReconnect: false, sessionCreatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  });
}

const names = (event: Parameters<typeof toCompatEvents>[0]) => toCompatEvents(event).map((e) => e.name);

describe('toCompatEvents (seed 004)', () => {
  it('turns a QR into qr-code { instance_id, qr, expiresAt }', () => {
    const event = makeEvent('session.qr.updated', SESSION, { tenantId: TENANT, qr: 'data:image/png;base64,AAA', qrText: '2@x', expiresAt: '2026-01-01T00:01:00.000Z', attempt: 1 });
    expect(toCompatEvents(event)).toEqual([{ name: 'qr-code', payload: { instance_id: SESSION, qr: 'data:image/png;base64,AAA', expiresAt: '2026-01-01T00:01:00.000Z' } }]);
  });

  it('sends session-status on every status change, with connectedAt when connected', () => {
    const event = statusChanged('connected');
    expect(toCompatEvents(event)).toEqual([{
      name: 'session-status',
      payload: { instance_id: SESSION, status: 'connected', phoneNumber: '+5491100000000', connectedAt: event.occurredOn, reason: null, updatedAt: event.occurredOn },
    }]);
    expect(names(statusChanged('qr_required'))).toEqual(['session-status']);
  });

  it('adds qr-expired when the QR budget runs out, not a connection-error', () => {
    const out = toCompatEvents(statusChanged('expired', { reason: 'qr_expired' }));
    expect(out.map((e) => e.name)).toEqual(['session-status', 'qr-expired']);
    expect(out[1].payload).toEqual({ instance_id: SESSION, message: QR_EXPIRED_MESSAGE });
  });

  it.each([
    ['a replaced connection', statusChanged('disconnected', { reason: 'connection_replaced', statusCode: 440, willReconnect: true }), 'CONNECTION_REPLACED'],
    ['a timeout', statusChanged('disconnected', { reason: 'timed_out', statusCode: 408, willReconnect: true }), 'TIMED_OUT'],
    ['an unknown close code', statusChanged('disconnected', { reason: 'closed_499', statusCode: 499, willReconnect: true, message: 'odd' }), 'CLOSED_499'],
    ['the phone unlinking the device', statusChanged('logged_out', { reason: 'logged_out', statusCode: 401 }), 'LOGGED_OUT'],
    ['the retry budget running out', statusChanged('error', { reason: 'max_retries_reached', statusCode: 503 }), 'MAX_RETRIES_REACHED'],
  ])('reports %s as connection-error', (_name, event, code) => {
    const out = toCompatEvents(event);
    expect(out.map((e) => e.name)).toEqual(['session-status', 'connection-error']);
    expect(out[1].payload).toMatchObject({ instance_id: SESSION, error: code, message: expect.any(String), statusCode: event.payload.statusCode, willReconnect: event.payload.willReconnect });
  });

  it.each([
    ['the 515 restart after pairing', statusChanged('disconnected', { reason: 'restart_required', statusCode: 515, willReconnect: true })],
    ['a stop asked through the API', statusChanged('disconnected', { reason: 'stopped' })],
    ['a logout asked through the API', statusChanged('logged_out', { reason: 'logout', statusCode: 401 })],
  ])('does not report %s as an error', (_name, event) => {
    expect(names(event)).toEqual(['session-status']);
  });

  it('tells subscribers that the session was deleted, and ignores the other events', () => {
    expect(toCompatEvents(makeEvent('session.deleted', SESSION, { tenantId: TENANT }))).toEqual([
      { name: 'connection-error', payload: { instance_id: SESSION, error: 'SESSION_DELETED', message: expect.any(String) } },
    ]);
    expect(toCompatEvents(makeEvent('session.messages.update', SESSION, { tenantId: TENANT, updatesCount: 0, updates: [], source: 'receipt' }))).toEqual([]);
  });
});

describe('current state of a session', () => {
  const row = (patch: Partial<SessionEntity>): SessionEntity => ({
    id: SESSION, tenantId: TENANT, status: 'qr_required', phone: null, qrDataUrl: 'data:image/png;base64,AAA', qrText: '2@x',
    qrExpiresAt: new Date(Date.now() + 10_000), connectedAt: null, disconnectedReason: null, updatedAt: new Date('2026-01-01T00:00:00.000Z'),
    ...patch,
  }) as SessionEntity;

  it('offers the pending QR only while it is valid', () => {
    expect(currentQr(row({}))).toEqual({ instance_id: SESSION, qr: 'data:image/png;base64,AAA', expiresAt: expect.any(String) });
    expect(currentQr(row({ qrExpiresAt: new Date(Date.now() - 1) }))).toBeNull();
    expect(currentQr(row({ status: 'connected' }))).toBeNull();
  });

  it('describes the status as session-status', () => {
    const connectedAt = new Date('2026-01-01T00:02:00.000Z');
    expect(currentStatus(row({ status: 'connected', phone: '549', connectedAt, disconnectedReason: 'restart_required' }))).toEqual({
      instance_id: SESSION, status: 'connected', phoneNumber: '+549', connectedAt: connectedAt.toISOString(), reason: null, updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(currentStatus(row({ status: 'expired', disconnectedReason: 'qr_expired', connectedAt }))).toMatchObject({ status: 'expired', connectedAt: null, reason: 'qr_expired' });
  });
});
