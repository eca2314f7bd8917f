/**
 * What the queue asks of the module that sends (chats/, registered at init so that this module
 * depends on nothing that sends): whether a session is connected here, whether a message id was
 * already stored (sent before a crash), "typing…", and the send itself under the queued id.
 */
import type { OutgoingKind } from '../whatsapp/outgoing-kinds.js';

export interface QueuedSendPayload {
  /** `text`: seed 001/002's text routes; `chat`: POST /chats/:jid/messages. */
  kind: 'text' | 'chat';
  content?: string;
  replyToMessageId?: string;
  forwardMessageId?: string;
  mediaId?: string;
  /** Jids mentioned in the text (already resolved from phones). */
  mentions?: string[];
  /** A location, contact cards or a poll (POST /chats/:jid/messages), as sent. */
  location?: OutgoingKind['location'];
  contacts?: OutgoingKind['contacts'];
  poll?: OutgoingKind['poll'];
  /** Build a link preview of the text when it goes out. */
  linkPreview?: boolean;
  /** Who queued it (media belongs to the tenant and is opened in the caller's name). */
  userId: string;
}

export interface QueueItem {
  sessionId: string;
  tenantId: string;
  /** The WhatsApp message id it goes out with. */
  id: string;
  chatJid: string;
  payload: QueuedSendPayload;
  status: 'queued' | 'sending';
}

export interface QueueExecutor {
  isReady(sessionId: string): boolean;
  wasSent(sessionId: string, messageId: string): Promise<boolean>;
  typing(sessionId: string, chatJid: string): Promise<void>;
  /** Sends and stores the message; throws an AppError (409 not connected, 504 no answer, other 4xx/503 refused). */
  send(item: QueueItem): Promise<void>;
}
