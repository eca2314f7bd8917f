/**
 * Pure mappers from domain events to the callback bodies of seed 001 (as received by seed 003's
 * main backend). Field names, types and nullability follow seed 001's `whatsapp_sessions` DDL:
 * `phone_number` and `auth_folder_path` are NOT NULL there, `status` is its 4-value enum.
 */
import { authStateLocator } from '../whatsapp/auth-state-locator.js';
import type { DomainEvent, DomainEventMap, SessionStatus } from '../events/event-map.js';

export type CallbackEvent = 'new-session-connected' | 'status-update' | 'messages-received' | 'qr-update';
export const CALLBACK_EVENTS: readonly CallbackEvent[] = ['new-session-connected', 'status-update', 'messages-received', 'qr-update'];

/** The main backend's `whatsapp_session_status` enum. */
export type BackendSessionStatus = 'connected' | 'disconnected' | 'connecting' | 'error';

export interface NewSessionConnectedPayload {
  session_id: string;
  phone_number: string | null;
  status: 'connected';
  last_seen: string;
  auth_folder_path: string;
  server_port: number | null;
  whatsapp_user_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface StatusUpdatePayload {
  session_id: string;
  status: BackendSessionStatus;
  error_message: string | null;
  timestamp: string;
  last_seen: string;
  /** Our precise status (CONTRACT.md "Session statuses"). */
  detail_status: SessionStatus;
}

export interface MessageReceivedPayload {
  session_id: string;
  sender_name: string | null;
  sender_number: string | null;
  message_content: string | null;
  message_type: string;
  media_info: Record<string, unknown>;
  received_at: string;
  phone_number_session: string | null;
  /** Additive (CONTRACT Part 3): the chat, whether it is a group, and its subject. */
  chat_jid: string;
  is_group: boolean;
  group_subject: string | null;
}

export interface QrUpdatePayload {
  session_id: string;
  qr_data: string;
  generated_at: string;
}

export type CallbackPayload = NewSessionConnectedPayload | StatusUpdatePayload | MessageReceivedPayload | QrUpdatePayload;

/** One callback to queue: `dedupeKey` makes a second emission of the same fact a no-op. */
export interface CallbackDraft {
  event: CallbackEvent;
  payload: CallbackPayload;
  dedupeKey: string;
}

export function toBackendStatus(status: SessionStatus): BackendSessionStatus {
  switch (status) {
    case 'init':
    case 'qr_required':
    case 'connecting':
      return 'connecting';
    case 'connected':
      return 'connected';
    case 'disconnected':
    case 'expired':
    case 'logged_out':
      return 'disconnected';
    case 'error':
      return 'error';
  }
}

/** Digits of the user part of a JID (`5491234567890:1@s.whatsapp.net` → `5491234567890`). */
export function phoneFromJid(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const user = jid.split('@')[0]?.split(':')[0] ?? '';
  return /^\d{5,20}$/.test(user) ? user : null;
}

function errorMessage(p: DomainEventMap['session.status.changed']): string | null {
  const status = toBackendStatus(p.status);
  if (status === 'connected' || status === 'connecting') return null;
  const words = [p.reason, p.message && p.message !== p.reason ? p.message : null].filter(Boolean).join(': ');
  if (words && p.statusCode !== null) return `${words} (status code ${p.statusCode})`;
  if (words) return words;
  if (p.statusCode !== null) return `status code ${p.statusCode}`;
  return null;
}

export interface StatusMappingContext {
  serverPort: number | null;
}

/**
 * A status change yields a status-update, preceded by new-session-connected when a newly paired
 * account has just connected (the backend inserts its row first, then updates it).
 */
export function mapStatusChanged(
  event: DomainEvent<'session.status.changed'>,
  ctx: StatusMappingContext,
): CallbackDraft[] {
  const p = event.payload;
  const drafts: CallbackDraft[] = [];
  if (p.newlyPaired && p.status === 'connected') {
    const payload: NewSessionConnectedPayload = {
      session_id: event.sessionId,
      phone_number: p.phone ?? phoneFromJid(p.whatsappUserId),
      status: 'connected',
      last_seen: event.occurredOn,
      auth_folder_path: authStateLocator(event.sessionId),
      server_port: ctx.serverPort,
      whatsapp_user_id: p.whatsappUserId,
      created_at: p.sessionCreatedAt,
      updated_at: event.occurredOn,
    };
    drafts.push({ event: 'new-session-connected', payload, dedupeKey: `event:${event.eventId}:new-session` });
  }
  const status: StatusUpdatePayload = {
    session_id: event.sessionId,
    status: toBackendStatus(p.status),
    error_message: errorMessage(p),
    timestamp: event.occurredOn,
    last_seen: event.occurredOn,
    detail_status: p.status,
  };
  drafts.push({ event: 'status-update', payload: status, dedupeKey: `event:${event.eventId}:status` });
  return drafts;
}

export function mapQrUpdated(event: DomainEvent<'session.qr.updated'>): CallbackDraft {
  const payload: QrUpdatePayload = {
    session_id: event.sessionId,
    qr_data: event.payload.qrText,
    generated_at: event.occurredOn,
  };
  return { event: 'qr-update', payload, dedupeKey: `event:${event.eventId}:qr` };
}

/** Deduplicated by message id: the same inbound message is queued once per session. */
export function mapMessageReceived(event: DomainEvent<'session.message.received'>): CallbackDraft {
  const p = event.payload;
  const payload: MessageReceivedPayload = {
    session_id: event.sessionId,
    sender_name: p.senderName,
    sender_number: p.senderPhone,
    message_content: p.text,
    message_type: p.messageType,
    media_info: p.mediaInfo ?? {},
    received_at: p.receivedAt,
    phone_number_session: p.sessionPhone,
    chat_jid: p.chatJid,
    is_group: p.isGroup ?? p.chatJid.endsWith('@g.us'),
    group_subject: p.groupSubject ?? null,
  };
  return { event: 'messages-received', payload, dedupeKey: `message:${p.messageId}` };
}
