import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriptionDisabler } from './subscription-disabler.js';
import { SubscriptionMetrics } from './subscription-metrics.js';
import { SubscriptionOutboxService } from './subscription-outbox.service.js';
import { SubscriptionQueueRepository } from './subscription-queue.repository.js';
import { SubscriptionWorker } from './subscription-worker.service.js';
import { WebhookSubscriptionDeliveryEntity, WebhookSubscriptionEntity } from './webhook-subscription.entities.js';
import { WebhookSubscriptionsController } from './webhook-subscriptions.controller.js';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service.js';

/** Webhook subscriptions: CRUD, fan-out into an outbox in each event's transaction, ordered signed delivery. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookSubscriptionEntity, WebhookSubscriptionDeliveryEntity])],
  controllers: [WebhookSubscriptionsController],
  providers: [SubscriptionQueueRepository, SubscriptionMetrics, SubscriptionDisabler, SubscriptionWorker, SubscriptionOutboxService, WebhookSubscriptionsService],
  exports: [SubscriptionWorker],
})
export class WebhookSubscriptionsModule {}
