import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContactsModule } from '../contacts/contacts.module.js';
import { MediaDownloads } from '../media/media-downloads.service.js';
import { MediaModule } from '../media/media.module.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SendQueueModule } from '../send-queue/send-queue.module.js';
import { SendQueueWorker } from '../send-queue/send-queue.worker.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { CHAT_ENTITIES } from './chat.entities.js';
import { ChatIdentity } from './chat-identity.js';
import { ChatCommandsService } from './chat-commands.service.js';
import { ChatQueries } from './chat-queries.js';
import { ChatsController } from './chats.controller.js';
import { ChatsReadService } from './chats-read.service.js';
import { ChatMediaService } from './chat-media.service.js';
import { ConversationStore } from './conversation-store.service.js';
import { HistoryJobs } from './history-jobs.js';
import { MessageWriter } from './message-writer.js';
import { ReceiptStore } from './receipts.js';
import { PollVotes } from './poll-votes.js';
import { LinkPreviewService } from './link-preview.service.js';

/** Chats, messages, reactions and receipts: storage fed by live sessions, REST, history ingest. */
@Module({
  imports: [TypeOrmModule.forFeature(CHAT_ENTITIES), SessionsModule, ContactsModule, MediaModule, SendQueueModule],
  controllers: [ChatsController],
  providers: [ChatIdentity, MessageWriter, HistoryJobs, PollVotes, LinkPreviewService, ConversationStore, ChatQueries, ChatsReadService, ChatCommandsService, ChatMediaService, ReceiptStore],
  exports: [ConversationStore, ChatQueries],
})
export class ChatsModule implements OnModuleInit {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly store: ConversationStore,
    private readonly downloads: MediaDownloads,
    private readonly queries: ChatQueries,
    private readonly commands: ChatCommandsService,
    private readonly sendQueue: SendQueueWorker,
  ) {}

  onModuleInit(): void {
    this.registry.useConversationStore(this.store);
    this.downloads.useMessageSource((sessionId, remoteJid, id) => this.queries.rawByKey(sessionId, remoteJid, id));
    const commands = this.commands;
    this.sendQueue.useExecutor({
      isReady: (sessionId) => commands.isReady(sessionId),
      wasSent: (sessionId, messageId) => commands.wasSent(sessionId, messageId),
      typing: (sessionId, chatJid) => commands.typing(sessionId, chatJid),
      send: (item) => commands.sendQueued(item),
    });
  }
}
