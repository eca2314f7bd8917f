/**
 * What a live session needs from the rest of the app (registered at boot by the modules that own
 * them), and the handlers that pass its socket's data (messages, groups, chat changes, calls) to them.
 */
import type { AppConfig } from '../config/app-config.js';
import type { AppLogger } from '../common/logger.js';
import type { DomainEvents } from '../events/domain-events.js';
import type { ChatStateChange } from '../whatsapp/chat-state-events.js';
import type { ConversationStorePort, SessionContext } from '../whatsapp/conversation-types.js';
import type { GroupStorePort } from '../whatsapp/group-types.js';
import type { PostgresAuthStateRepository } from '../whatsapp/postgres-auth-state.js';
import type { WhatsAppSocketFactory } from '../whatsapp/socket-factory.js';
import type { ConnectionHandlers } from '../whatsapp/whatsapp-connection.js';
import type { LiveSession } from './live-session.js';
import type { SessionStore } from './session-store.js';

/** Stores chat changes shared through app state and announces them (src/chat-actions). */
export interface ChatStatePort {
  apply(session: { sessionId: string; tenantId: string }, changes: ChatStateChange[]): Promise<void>;
}

export interface LiveSessionDeps {
  config: AppConfig['whatsapp'];
  store: SessionStore;
  /** The chats module's store (registered at boot). */
  conversations(): ConversationStorePort;
  /** The groups module's store (registered at boot; absent in setups without it). */
  groups(): GroupStorePort | undefined;
  /** Where app-state chat changes go (the chat-actions module, registered at boot), if anywhere. */
  chatStates?(): ChatStatePort | undefined;
  authState: PostgresAuthStateRepository;
  factory: WhatsAppSocketFactory;
  events: DomainEvents;
  logger: AppLogger;
  /** Called once when the session reaches an end (stopped, logged out, expired, error). */
  onEnded(session: LiveSession): void;
}

/** The data side of a session's socket handlers: its stores, chat changes and calls. */
export function dataHandlers(
  deps: LiveSessionDeps,
  ctx: SessionContext,
  log: AppLogger,
): Pick<ConnectionHandlers, 'onChatStates' | 'onCalls' | 'conversations' | 'groups'> {
  const session = { sessionId: ctx.sessionId, tenantId: ctx.tenantId };
  return {
    onChatStates: async (changes) => {
      // A failure here must not cost the batch's messages: logged, and the batch goes on.
      await deps.chatStates?.()?.apply(session, changes).catch((err: unknown) => log.error({ err }, 'storing chat changes failed'));
    },
    onCalls: (calls) => {
      deps.events.publish('session.call', ctx.sessionId, { tenantId: ctx.tenantId, calls });
    },
    conversations: deps.conversations().forSession(ctx),
    groups: deps.groups()?.forSession(ctx),
  };
}
