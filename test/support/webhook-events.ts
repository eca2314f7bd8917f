/**
 * Produces the domain events that feed the callbacks, the way the sessions/whatsapp modules do:
 * each fact in its own DomainEvents transaction.
 */
import { randomUUID } from 'node:crypto';
import type { DomainEvents } from '../../src/events/domain-events.js';
import type { DomainEventMap, SessionStatus } from '../../src/events/event-map.js';

export interface SimulatedSession {
  sessionId: string;
  tenantId: string;
  phone: string;
  createdAt: string;
}

export function newSimulatedSession(phone = `549${Math.floor(1e9 + Math.random() * 9e9)}`): SimulatedSession {
  return { sessionId: randomUUID(), tenantId: randomUUID(), phone, createdAt: new Date().toISOString() };
}

export async function emitStatus(
  events: DomainEvents,
  s: SimulatedSession,
  previousStatus: SessionStatus,
  status: SessionStatus,
  over: Partial<DomainEventMap['session.status.changed']> = {},
): Promise<void> {
  await events.transaction(async (tx) => {
    await tx.emit('session.status.changed', s.sessionId, {
      tenantId: s.tenantId,
      status,
      previousStatus,
      reason: null,
      statusCode: null,
      message: null,
      phone: status === 'connected' ? s.phone : null,
      deviceName: status === 'connected' ? 'Ada' : null,
      accountType: status === 'connected' ? 'personal' : null,
      whatsappUserId: status === 'connected' ? `${s.phone}:1@s.whatsapp.net` : null,
      newlyPaired: false,
      willReconnect: false,
      sessionCreatedAt: s.createdAt,
      ...over,
    });
  });
}

export async function emitQr(events: DomainEvents, s: SimulatedSession, qrText: string, attempt = 1): Promise<void> {
  await events.transaction(async (tx) => {
    await tx.emit('session.qr.updated', s.sessionId, {
      tenantId: s.tenantId,
      qr: `data:image/png;base64,${Buffer.from(qrText).toString('base64')}`,
      qrText,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      attempt,
    });
  });
}

export async function emitMessage(events: DomainEvents, s: SimulatedSession, messageId: string, text: string): Promise<void> {
  await events.transaction(async (tx) => {
    await tx.emit('session.message.received', s.sessionId, {
      tenantId: s.tenantId,
      messageId,
      sessionPhone: s.phone,
      chatJid: '987654321012345@lid',
      senderPhone: '5490987654321',
      senderName: 'Juan Pérez',
      messageType: 'text',
      text,
      mediaInfo: {},
      receivedAt: new Date().toISOString(),
    });
  });
}

/**
 * An onboarding as the main backend sees it: QR required, two QRs, the scan, connected (newly
 * paired), then two inbound messages, the first one emitted twice.
 * Expected callbacks, in order: status-update(qr_required), qr-update ×2, status-update(connecting),
 * new-session-connected, status-update(connected), messages-received ×2.
 */
export async function simulateOnboarding(events: DomainEvents, s: SimulatedSession): Promise<void> {
  await emitStatus(events, s, 'init', 'qr_required');
  await emitQr(events, s, `2@qr-one-${s.sessionId}`, 1);
  await emitQr(events, s, `2@qr-two-${s.sessionId}`, 2);
  await emitStatus(events, s, 'qr_required', 'connecting');
  await emitStatus(events, s, 'connecting', 'connected', { newlyPaired: true });
  await emitMessage(events, s, `MSG-1-${s.sessionId}`, 'Hola, ¿cómo estás?');
  await emitMessage(events, s, `MSG-1-${s.sessionId}`, 'Hola, ¿cómo estás?');
  await emitMessage(events, s, `MSG-2-${s.sessionId}`, 'Segundo mensaje');
}

export const ONBOARDING_PATHS = [
  '/api/whatsapp/sessions/status-update',
  '/api/whatsapp/sessions/qr-update',
  '/api/whatsapp/sessions/qr-update',
  '/api/whatsapp/sessions/status-update',
  '/api/whatsapp/sessions/new-session-connected',
  '/api/whatsapp/sessions/status-update',
  '/api/whatsapp/messages/received',
  '/api/whatsapp/messages/received',
];
