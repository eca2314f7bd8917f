/**
 * What retention deletes, one rule per kind of row: the table, the condition that makes a row old
 * (with `$1` the cutoff), and the setting that gives its age. Dead callbacks, pending ones, users,
 * sessions and messages are never touched. Each condition has an index to answer it.
 */
import type { AppConfig } from '../config/app-config.js';

export interface RetentionRule {
  name: string;
  table: string;
  /** The row key used to delete in batches. */
  key: string;
  /** SQL condition on the row; `$1` is the cutoff timestamp. */
  where: string;
  days: number;
}

export function retentionRules(config: AppConfig['retention']): RetentionRule[] {
  return [
    {
      name: 'deliveredCallbacks',
      table: 'webhook_deliveries',
      key: 'id',
      // created_at ≤ delivered_at, so the condition on created_at lets the (status, created_at) index answer it.
      where: `status = 'delivered' AND created_at < $1 AND delivered_at < $1`,
      days: config.deliveredCallbacksDays,
    },
    {
      name: 'deliveredWebhookSubscriptionDeliveries',
      table: 'webhook_subscription_deliveries',
      key: 'id',
      // Same age as the callbacks' (RETENTION_DELIVERED_CALLBACKS_DAYS); dead and pending rows are kept.
      where: `status = 'delivered' AND created_at < $1 AND delivered_at < $1`,
      days: config.deliveredCallbacksDays,
    },
    { name: 'mails', table: 'mails', key: 'id', where: 'created_at < $1', days: config.mailsDays },
    {
      name: 'refreshTokens',
      table: 'refresh_tokens',
      key: 'id',
      // Rotated and revoked tokens are kept until they expire: a reused one must still revoke its family.
      where: 'expires_at < $1',
      days: config.expiredTokensDays,
    },
    {
      name: 'emailTokens',
      table: 'email_tokens',
      key: 'id',
      where: '(expires_at < $1 OR used_at < $1)',
      days: config.expiredTokensDays,
    },
    {
      name: 'accessTokenRefusals',
      table: 'access_token_refusals',
      key: 'user_id',
      // Past expires_at every access token it refused has expired on its own (boot loads only unexpired rows).
      where: 'expires_at < $1',
      days: config.expiredTokensDays,
    },
    {
      name: 'idempotencyKeys',
      table: 'idempotency_keys',
      key: 'ctid',
      // Past expires_at (24 h) a key is free again anyway (a claim takes an expired one over).
      where: 'expires_at < $1',
      days: config.expiredTokensDays,
    },
    {
      name: 'finishedSends',
      table: 'send_queue',
      key: 'ctid',
      // Paced sends that are over (the messages themselves stay in wa_messages), kept as long as delivered callbacks.
      where: "status IN ('sent', 'failed', 'cancelled') AND updated_at < $1",
      days: config.deliveredCallbacksDays,
    },
    { name: 'loginFailures', table: 'login_failures', key: 'id', where: 'occurred_at < $1', days: config.loginFailuresDays },
    {
      name: 'inboundJournal',
      table: 'wa_inbound_journal',
      // The key is composite (session, message, part): the row's ctid stands for it within one statement.
      key: 'ctid',
      // A connect replays and releases a session's rows: old ones belong to sessions that never came back.
      where: 'created_at < $1',
      days: config.inboundJournalDays,
    },
  ];
}
