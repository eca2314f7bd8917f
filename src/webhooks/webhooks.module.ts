import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookAttemptEntity, WebhookDeliveryEntity } from './webhook.entities.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { WebhookOutboxService } from './webhook-outbox.service.js';
import { WebhookQueueRepository } from './webhook-queue.repository.js';
import { WebhookWorker } from './webhook-worker.service.js';
import { WebhooksAdminService } from './webhooks-admin.service.js';
import { WebhooksController } from './webhooks.controller.js';

/** Callbacks to the main backend: transactional outbox, ordered delivery worker, admin API. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookDeliveryEntity, WebhookAttemptEntity])],
  controllers: [WebhooksController],
  providers: [WebhookQueueRepository, WebhookOutboxService, WebhookMetrics, WebhookWorker, WebhooksAdminService],
  exports: [WebhookWorker],
})
export class WebhooksModule {}
