/**
 * Every migration, in order. Listed explicitly (not globbed) so that the app, the tests and the
 * CLI load exactly the same set under ESM.
 */
import type { MigrationInterface } from 'typeorm';
import { AuthTenantsUsers1795000000000 } from './1795000000000-AuthTenantsUsers.js';
import { WebhookOutbox1795000001000 } from './1795000001000-WebhookOutbox.js';
import { SessionsAndWhatsApp1795000002000 } from './1795000002000-SessionsAndWhatsApp.js';
import { ChatsMessagesContacts1795000003500 } from './1795000003500-ChatsMessagesContacts.js';
import { InboundJournal1795000009000 } from './1795000009000-InboundJournal.js';
import { Media1795000011000 } from './1795000011000-Media.js';
import { SessionOriginAndQrCount1795000012000 } from './1795000012000-SessionOriginAndQrCount.js';
import { MediaDownloads1795000014100 } from './1795000014100-MediaDownloads.js';
import { RetentionIndexes1795000015100 } from './1795000015100-RetentionIndexes.js';
import { ClusterLeases1795000016100 } from './1795000016100-ClusterLeases.js';
import { ClusterEventSeqAndRedisHealth1795000016200 } from './1795000016200-ClusterEventSeqAndRedisHealth.js';
import { MediaClaimedBy1795000016300 } from './1795000016300-MediaClaimedBy.js';
import { AccessTokenRefusals1795000017000 } from './1795000017000-AccessTokenRefusals.js';
import { WebhookSubscriptions1795000019000 } from './1795000019000-WebhookSubscriptions.js';
import { SendPipeline1795000020000 } from './1795000020000-SendPipeline.js';
import { SessionProxy1795000021000 } from './1795000021000-SessionProxy.js';
import { Groups1795000023000 } from './1795000023000-Groups.js';
import { MessageMentions1795000023100 } from './1795000023100-MessageMentions.js';
import { MessageReceipts1795000023200 } from './1795000023200-MessageReceipts.js';
import { CallSettings1795000025000 } from './1795000025000-CallSettings.js';
import { MessageKinds1795000024000 } from './1795000024000-MessageKinds.js';
import { VoiceWaveform1795000024100 } from './1795000024100-VoiceWaveform.js';

export const MIGRATIONS: Array<new () => MigrationInterface> = [
  AuthTenantsUsers1795000000000,
  WebhookOutbox1795000001000,
  SessionsAndWhatsApp1795000002000,
  ChatsMessagesContacts1795000003500,
  InboundJournal1795000009000,
  Media1795000011000,
  SessionOriginAndQrCount1795000012000,
  MediaDownloads1795000014100,
  RetentionIndexes1795000015100,
  ClusterLeases1795000016100,
  ClusterEventSeqAndRedisHealth1795000016200,
  MediaClaimedBy1795000016300,
  AccessTokenRefusals1795000017000,
  WebhookSubscriptions1795000019000,
  SendPipeline1795000020000,
  SessionProxy1795000021000,
  Groups1795000023000,
  MessageMentions1795000023100,
  MessageReceipts1795000023200,
  CallSettings1795000025000,
  MessageKinds1795000024000,
  VoiceWaveform1795000024100,
];
