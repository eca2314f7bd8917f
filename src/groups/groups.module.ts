import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatsModule } from '../chats/chats.module.js';
import { ConversationStore } from '../chats/conversation-store.service.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { GROUP_ENTITIES } from './group.entity.js';
import { GroupStore } from './group-store.service.js';
import { GroupsController } from './groups.controller.js';
import { GroupsService } from './groups.service.js';

/** Groups, participants, the metadata cache handed to Baileys, group REST and events. */
@Module({
  imports: [TypeOrmModule.forFeature(GROUP_ENTITIES), SessionsModule, ChatsModule],
  controllers: [GroupsController],
  providers: [GroupStore, GroupsService],
  exports: [GroupStore],
})
export class GroupsModule implements OnModuleInit {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly store: GroupStore,
    private readonly conversations: ConversationStore,
  ) {}

  onModuleInit(): void {
    this.registry.useGroupStore(this.store);
    this.conversations.useGroupSubjects(async (sessionId, jid) => (await this.store.get(sessionId, jid))?.subject ?? null);
  }
}
