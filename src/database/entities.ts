/** Every entity, for the migration CLI (the app loads them per module with autoLoadEntities). */
import type { DataSourceOptions } from 'typeorm';
import { AUTH_ENTITIES } from '../auth/auth.entities.js';
import { WEBHOOK_ENTITIES } from '../webhooks/webhook.entities.js';
import { SESSION_ENTITIES } from '../sessions/session.entities.js';
import { CHAT_ENTITIES } from '../chats/chat.entities.js';
import { CONTACT_ENTITIES } from '../contacts/contact.entities.js';
import { MediaEntity } from '../media/media.entity.js';
import { CLUSTER_ENTITIES } from '../cluster/cluster.entities.js';
import { WEBHOOK_SUBSCRIPTION_ENTITIES } from '../webhook-subscriptions/webhook-subscription.entities.js';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity.js';
import { SendQueueEntity } from '../send-queue/send-queue.entity.js';
import { GROUP_ENTITIES } from '../groups/group.entity.js';
import { CallSettingsEntity } from '../calls/call-settings.entity.js';

export const ALL_ENTITIES: NonNullable<DataSourceOptions['entities']> = [
  ...AUTH_ENTITIES,
  ...WEBHOOK_ENTITIES,
  ...SESSION_ENTITIES,
  ...CHAT_ENTITIES,
  ...CONTACT_ENTITIES,
  MediaEntity,
  ...CLUSTER_ENTITIES,
  ...WEBHOOK_SUBSCRIPTION_ENTITIES,
  IdempotencyKeyEntity,
  SendQueueEntity,
  ...GROUP_ENTITIES,
  CallSettingsEntity,
];
