import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { LoggerModule, type AppLogger } from './common/logger.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { AuthModule } from './auth/auth.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WebhookSubscriptionsModule } from './webhook-subscriptions/webhook-subscriptions.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { SandboxModule } from './sandbox/sandbox.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { ChatsModule } from './chats/chats.module.js';
import { GroupsModule } from './groups/groups.module.js';
import { ContactsModule } from './contacts/contacts.module.js';
import { ProfilesModule } from './profiles/profiles.module.js';
import { BlocklistModule } from './blocklist/blocklist.module.js';
import { CallsModule } from './calls/calls.module.js';
import { ChatActionsModule } from './chat-actions/chat-actions.module.js';
import { LifecycleModule } from './lifecycle/shutdown-reporter.js';
import { RetentionModule } from './retention/retention.module.js';
import { MediaModule } from './media/media.module.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { SendQueueModule } from './send-queue/send-queue.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        DatabaseModule,
        EventsModule,
        MetricsModule,
        HealthModule,
        AuthModule,
        WebhooksModule,
        WebhookSubscriptionsModule,
        SessionsModule,
        RealtimeModule,
        ContactsModule,
        ProfilesModule,
        BlocklistModule,
        CallsModule,
        ChatsModule,
        GroupsModule,
        ChatActionsModule,
        LifecycleModule,
        RetentionModule,
        MediaModule,
        IdempotencyModule,
        SendQueueModule,
        ...(config.whatsapp.sandbox ? [SandboxModule] : []),
        ...(config.cluster ? [ClusterModule] : []),
      ],
    };
  }
}
