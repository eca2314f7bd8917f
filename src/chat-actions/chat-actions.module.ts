import { Module, type OnModuleInit } from '@nestjs/common';
import { ChatsModule } from '../chats/chats.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ChatActionsController } from './chat-actions.controller.js';
import { ChatActionsService } from './chat-actions.service.js';
import { ChatStateStore } from './chat-state-store.js';

/** Archive, pin, mute, unread, delete of chats and presence subscriptions (CONTRACT Part 3). */
@Module({
  imports: [SessionsModule, ContactsModule, ChatsModule],
  controllers: [ChatActionsController],
  providers: [ChatStateStore, ChatActionsService],
})
export class ChatActionsModule implements OnModuleInit {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly store: ChatStateStore,
  ) {}

  onModuleInit(): void {
    this.registry.useChatStateStore(this.store);
  }
}
