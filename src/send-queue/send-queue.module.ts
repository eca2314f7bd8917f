import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SendQueueController } from './send-queue.controller.js';
import { SendQueueEntity } from './send-queue.entity.js';
import { SendQueueRepository } from './send-queue.repository.js';
import { SendQueueService } from './send-queue.service.js';
import { SendQueueWorker } from './send-queue.worker.js';

/**
 * The durable paced queue (CONTRACT.md Part 3). Depends on nothing that sends: the sessions and
 * chats modules queue through SendQueueService, and chats registers the executor at init.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SendQueueEntity])],
  controllers: [SendQueueController],
  providers: [SendQueueRepository, SendQueueService, SendQueueWorker],
  exports: [SendQueueService, SendQueueWorker],
})
export class SendQueueModule {}
