import type { DomainEvent, DomainEventMap, SessionStatus } from '../events/event-map.js';
import { SESSION_STATUSES } from '../events/event-map.js';
import { authStateLocator } from '../whatsapp/auth-state-locator.js';
import {
  mapMessageReceived,
  mapQrUpdated,
  mapStatusChanged,
  phoneFromJid,
  toBackendStatus,
} from './webhook-payloads.js';

const SESSION = '3f1c2a9e-8d4b-4f7a-9c1e-2b5d6a7e8f90';
const TENANT = '0b7e4c1a-5f2d-4e8b-a3c6-9d1e2f3a4b5c';
const AT = '2026-11-22T10:30:00.000Z';

function event<K extends keyof DomainEventMap>(type: K, payload: DomainEventMap[K]): DomainEvent<K> {
  return { type, sessionId: SESSION, eventId: 'evt-1', occurredOn: AT, payload };
}

function statusChanged(over: Partial<DomainEventMap['session.status.changed']> = {}): DomainEvent<'session.status.changed'> {
  return event('session.status.changed', {
    tenantId: TENANT,
    status: 'connected',
    previousStatus: 'connecting',
    reason: null,
    statusCode: null,
    message: null,
    phone: '5491234567890',
    deviceName: 'Ada',
    accountType: 'personal',
    whatsappUserId: '5491234567890:1@s.whatsapp.net',
    newlyPaired: false,
    willReconnect: false,
    sessionCreatedAt: '2026-11-22T10:29:00.000Z',
    ...over,
  });
}

describe('toBackendStatus', () => {
  const expected: Record<SessionStatus, string> = {
    init: 'connecting',
    qr_required: 'connecting',
    connecting: 'connecting',
    connected: 'connected',
    disconnected: 'disconnected',
    expired: 'disconnected',
    logged_out: 'disconnected',
    error: 'error',
  };
  it.each(SESSION_STATUSES.map((s) => [s, expected[s]]))('maps %s to %s', (status, backend) => {
    expect(toBackendStatus(status as SessionStatus)).toBe(backend);
  });
});

describe('mapStatusChanged', () => {
  it('sends new-session-connected then status-update for a newly paired account', () => {
    const drafts = mapStatusChanged(statusChanged({ newlyPaired: true }), { serverPort: 3000 });
    expect(drafts.map((d) => d.event)).toEqual(['new-session-connected', 'status-update']);
    expect(drafts[0].payload).toEqual({
      session_id: SESSION,
      phone_number: '5491234567890',
      status: 'connected',
      last_seen: AT,
      auth_folder_path: `postgres://wa_auth_creds/${SESSION}`,
      server_port: 3000,
      whatsapp_user_id: '5491234567890:1@s.whatsapp.net',
      created_at: '2026-11-22T10:29:00.000Z',
      updated_at: AT,
    });
    expect(drafts[1].payload).toEqual({
      session_id: SESSION,
      status: 'connected',
      error_message: null,
      timestamp: AT,
      last_seen: AT,
      detail_status: 'connected',
    });
    expect(new Set(drafts.map((d) => d.dedupeKey)).size).toBe(2);
  });

  it('sends only a status-update for a reconnect of a known account', () => {
    const drafts = mapStatusChanged(statusChanged({ newlyPaired: false }), { serverPort: 3000 });
    expect(drafts.map((d) => d.event)).toEqual(['status-update']);
  });

  it('never sends new-session-connected for a status other than connected', () => {
    const drafts = mapStatusChanged(statusChanged({ newlyPaired: true, status: 'connecting' }), { serverPort: 3000 });
    expect(drafts.map((d) => d.event)).toEqual(['status-update']);
  });

  it('falls back to the JID for the phone number (NOT NULL in the backend)', () => {
    const [first] = mapStatusChanged(statusChanged({ newlyPaired: true, phone: null }), { serverPort: 3000 });
    expect(first.payload).toMatchObject({ phone_number: '5491234567890' });
  });

  it('carries the precise status and the reason on a disconnect', () => {
    const [draft] = mapStatusChanged(
      statusChanged({ status: 'logged_out', previousStatus: 'connected', reason: 'logged_out', statusCode: 401 }),
      { serverPort: 3000 },
    );
    expect(draft.payload).toEqual({
      session_id: SESSION,
      status: 'disconnected',
      error_message: 'logged_out (status code 401)',
      timestamp: AT,
      last_seen: AT,
      detail_status: 'logged_out',
    });
  });

  it('maps a QR budget that ran out to disconnected/expired', () => {
    const [draft] = mapStatusChanged(statusChanged({ status: 'expired', previousStatus: 'qr_required', reason: 'qr_expired' }), { serverPort: 1 });
    expect(draft.payload).toMatchObject({ status: 'disconnected', detail_status: 'expired', error_message: 'qr_expired' });
  });

  it('adds WhatsApp’s own words to the reason', () => {
    const [draft] = mapStatusChanged(
      statusChanged({ status: 'disconnected', reason: 'max_retries_reached', message: 'Connection Failure', statusCode: 428 }),
      { serverPort: 1 },
    );
    expect(draft.payload).toMatchObject({ error_message: 'max_retries_reached: Connection Failure (status code 428)' });
  });

  it('reports an error status with its code when no reason is given', () => {
    const [draft] = mapStatusChanged(statusChanged({ status: 'error', statusCode: 500 }), { serverPort: 1 });
    expect(draft.payload).toMatchObject({ status: 'error', detail_status: 'error', error_message: 'status code 500' });
  });
});

describe('mapQrUpdated', () => {
  it('sends the raw QR text, not the image', () => {
    const draft = mapQrUpdated(
      event('session.qr.updated', { tenantId: TENANT, qr: 'data:image/png;base64,AAAA', qrText: '2@ABC123', expiresAt: AT, attempt: 1 }),
    );
    expect(draft.event).toBe('qr-update');
    expect(draft.payload).toEqual({ session_id: SESSION, qr_data: '2@ABC123', generated_at: AT });
  });
});

describe('mapMessageReceived', () => {
  const payload: DomainEventMap['session.message.received'] = {
    tenantId: TENANT,
    messageId: '3EB0ABCDEF',
    sessionPhone: '5491234567890',
    chatJid: '123456789@lid',
    senderPhone: '5490987654321',
    senderName: 'Juan Pérez',
    messageType: 'text',
    text: 'Hola, ¿cómo estás?',
    mediaInfo: {},
    receivedAt: AT,
  };

  it('maps every seed 001 field, the sender number from the phone (never the LID chat)', () => {
    const draft = mapMessageReceived(event('session.message.received', payload));
    expect(draft.event).toBe('messages-received');
    expect(draft.payload).toEqual({
      session_id: SESSION,
      sender_name: 'Juan Pérez',
      sender_number: '5490987654321',
      message_content: 'Hola, ¿cómo estás?',
      message_type: 'text',
      media_info: {},
      received_at: AT,
      phone_number_session: '5491234567890',
      chat_jid: '123456789@lid',
      is_group: false,
      group_subject: null,
    });
  });

  it('adds the group of a group message: the chat, is_group and the subject (the sender stays the participant)', () => {
    const draft = mapMessageReceived(event('session.message.received', { ...payload, chatJid: '120363041234567890@g.us', isGroup: true, groupSubject: 'Asado' }));
    expect(draft.payload).toMatchObject({ sender_number: '5490987654321', chat_jid: '120363041234567890@g.us', is_group: true, group_subject: 'Asado' });
  });

  it('is keyed by message id so that a second emission is a duplicate', () => {
    const a = mapMessageReceived(event('session.message.received', payload));
    const b = mapMessageReceived({ ...event('session.message.received', payload), eventId: 'evt-2' });
    expect(a.dedupeKey).toBe(b.dedupeKey);
  });
});

describe('helpers', () => {
  it('extracts the phone from a device JID', () => {
    expect(phoneFromJid('5491234567890:12@s.whatsapp.net')).toBe('5491234567890');
    expect(phoneFromJid('5491234567890@s.whatsapp.net')).toBe('5491234567890');
    expect(phoneFromJid('abc@lid')).toBeNull();
    expect(phoneFromJid(null)).toBeNull();
  });
  it('builds a stable credentials locator', () => {
    expect(authStateLocator(SESSION)).toBe(`postgres://wa_auth_creds/${SESSION}`);
  });
});
