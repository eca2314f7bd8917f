/**
 * Turns domain events into outbox rows inside the producer's transaction, so a callback exists if
 * and only if the change it reports committed. Without BACKEND_BASE_URL nothing is queued.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { DomainEvents } from '../events/domain-events.js';
import type { DomainEvent } from '../events/event-map.js';
import { mapMessageReceived, mapQrUpdated, mapStatusChanged, type CallbackDraft, type CallbackEvent } from './webhook-payloads.js';
import { WebhookQueueRepository } from './webhook-queue.repository.js';

/** The domain events that produce callbacks (the worker wakes up after each one commits). */
export const CALLBACK_SOURCE_EVENTS = ['session.status.changed', 'session.qr.updated', 'session.message.received'] as const;

@Injectable()
export class WebhookOutboxService implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: DomainEvents,
    private readonly queue: WebhookQueueRepository,
  ) {}

  get enabled(): boolean {
    return this.config.callbacks.baseUrl !== undefined;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    const serverPort = this.config.http.port;
    this.events.inTransaction('session.status.changed', (manager, event) =>
      this.enqueueAll(manager, event, mapStatusChanged(event, { serverPort })),
    );
    this.events.inTransaction('session.qr.updated', (manager, event) => this.enqueueAll(manager, event, [mapQrUpdated(event)]));
    this.events.inTransaction('session.message.received', (manager, event) =>
      this.enqueueAll(manager, event, [mapMessageReceived(event)]),
    );
  }

  pathFor(event: CallbackEvent): string {
    const paths = this.config.callbacks.paths;
    switch (event) {
      case 'new-session-connected':
        return paths.newSession;
      case 'status-update':
        return paths.statusUpdate;
      case 'messages-received':
        return paths.messageReceived;
      case 'qr-update':
        return paths.qrUpdate;
    }
  }

  private async enqueueAll(manager: EntityManager, event: DomainEvent, drafts: CallbackDraft[]): Promise<void> {
    const tenantId = (event.payload as { tenantId: string }).tenantId;
    for (const draft of drafts) {
      await this.queue.enqueue(manager, {
        id: randomUUID(),
        tenantId,
        sessionId: event.sessionId,
        event: draft.event,
        path: this.pathFor(draft.event),
        payload: draft.payload,
        dedupeKey: draft.dedupeKey,
        maxAttempts: this.config.callbacks.retries + 1,
      });
    }
  }
}
