/**
 * Retention: one run deletes exactly the rows past their age (delivered callbacks, mails, expired
 * or used tokens, expired access-token refusals, expired idempotency keys, finished paced sends, login failures, journal rows of sessions that never came back), in batches, and
 * leaves everything else: dead and pending callbacks, recent rows, live tokens. Every rule's
 * condition is answered by an index.
 */
import { randomUUID } from 'node:crypto';
import { RetentionService } from '../../src/retention/retention.service.js';
import { retentionRules } from '../../src/retention/retention-rules.js';
import { signUp, TestDb } from '../support/auth-helpers.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DAY = 86_400_000;

describe('retention', () => {
  let t: TestApp;
  let db: TestDb;

  beforeAll(async () => {
    // A batch of 2 makes every rule loop over several DELETEs.
    t = await startTestApp({
      env: {
        RETENTION_DELIVERED_CALLBACKS_DAYS: '7', RETENTION_MAILS_DAYS: '30', RETENTION_EXPIRED_TOKENS_DAYS: '1',
        RETENTION_LOGIN_FAILURES_DAYS: '1', RETENTION_INBOUND_JOURNAL_DAYS: '30', RETENTION_BATCH_SIZE: '2',
      },
    });
    db = await TestDb.connect(t);
  });

  afterAll(async () => {
    await db?.close();
    await t?.close({ drop: true });
  });

  it('deletes only what is past its retention, and keeps dead callbacks', async () => {
    const now = Date.now();
    const ago = (days: number): Date => new Date(now - days * DAY);
    const user = await signUp(t);
    const sessionId = randomUUID();
    let seq = 0;
    const delivery = async (status: string, createdDaysAgo: number, deliveredDaysAgo: number | null): Promise<string> => {
      const id = randomUUID();
      seq += 1;
      await db.query(
        `INSERT INTO webhook_deliveries (id, tenant_id, session_id, seq, event, path, payload, dedupe_key, status, max_attempts, created_at, delivered_at)
         VALUES ($1, $2, $3, $4, 'status-update', '/cb', '{}', $5, $6, 3, $7, $8)`,
        [id, user.tenantId, sessionId, seq, `k${seq}`, status, ago(createdDaysAgo), deliveredDaysAgo === null ? null : ago(deliveredDaysAgo)],
      );
      await db.query(`INSERT INTO webhook_attempts (delivery_id, attempt_no, started_at, duration_ms, status_code) VALUES ($1, 1, $2, 5, 200)`, [id, ago(createdDaysAgo)]);
      return id;
    };
    const oldDelivered = [await delivery('delivered', 10, 9), await delivery('delivered', 9, 8), await delivery('delivered', 8, 8)];
    const kept = [
      await delivery('delivered', 8, 6), // delivered recently
      await delivery('delivered', 2, 1),
      await delivery('dead', 40, null), // dead callbacks are kept
      await delivery('pending', 40, null),
    ];

    // Webhook subscription deliveries: delivered ones past the same age go; dead and pending ones stay.
    const subscriptionId = randomUUID();
    await db.query(`INSERT INTO webhook_subscriptions (id, tenant_id, url, events, secret) VALUES ($1, $2, 'https://203.0.113.10/h', '{*}', 'whsec_AAAA')`, [subscriptionId, user.tenantId]);
    const subDelivery = async (status: string, createdDaysAgo: number, deliveredDaysAgo: number | null): Promise<string> => {
      const id = randomUUID();
      seq += 1;
      await db.query(
        `INSERT INTO webhook_subscription_deliveries (id, subscription_id, tenant_id, session_id, seq, event_type, body, status, created_at, delivered_at)
         VALUES ($1, $2, $3, $4, $5, 'session.created', '{}', $6, $7, $8)`,
        [id, subscriptionId, user.tenantId, sessionId, seq, status, ago(createdDaysAgo), deliveredDaysAgo === null ? null : ago(deliveredDaysAgo)],
      );
      return id;
    };
    const oldSubDelivered = [await subDelivery('delivered', 10, 9), await subDelivery('delivered', 8, 8)];
    const keptSub = [await subDelivery('delivered', 8, 6), await subDelivery('dead', 40, null), await subDelivery('pending', 40, null)];

    const mail = async (daysAgo: number): Promise<string> => {
      const id = randomUUID();
      await db.query(`INSERT INTO mails (id, recipient, subject, body_text, purpose, created_at) VALUES ($1, 'a@example.com', 's', 'b', 'verify_email', $2)`, [id, ago(daysAgo)]);
      return id;
    };
    const oldMails = [await mail(31), await mail(45), await mail(60)];
    const keptMails = [await mail(29), await mail(1)];

    const refresh = async (expiresDaysAgo: number, revoked = false): Promise<string> => {
      const id = randomUUID();
      await db.query(
        `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, user.id, randomUUID(), id.replace(/-/g, '').padEnd(64, '0'), ago(expiresDaysAgo), revoked ? ago(5) : null],
      );
      return id;
    };
    const oldRefresh = [await refresh(2), await refresh(3, true)];
    const keptRefresh = [await refresh(-10, true), await refresh(0.5)]; // revoked but not expired: reuse detection needs it

    const emailToken = async (expiresDaysAgo: number, usedDaysAgo: number | null): Promise<string> => {
      const id = randomUUID();
      await db.query(
        `INSERT INTO email_tokens (id, user_id, purpose, token_hash, expires_at, used_at) VALUES ($1, $2, 'verify_email', $3, $4, $5)`,
        [id, user.id, id.replace(/-/g, '').padEnd(64, '0'), ago(expiresDaysAgo), usedDaysAgo === null ? null : ago(usedDaysAgo)],
      );
      return id;
    };
    const oldEmailTokens = [await emailToken(2, null), await emailToken(-1, 3)];
    const keptEmailTokens = [await emailToken(-1, null), await emailToken(-1, 0.2)];

    const refusal = async (expiresDaysAgo: number): Promise<string> => {
      const userId = randomUUID(); // no foreign key: a deleted user's refusal stays
      const expiresAt = ago(expiresDaysAgo);
      await db.query(`INSERT INTO access_token_refusals (user_id, not_before_ms, expires_at) VALUES ($1, $2, $3)`, [userId, expiresAt.getTime() - 900_000, expiresAt]);
      return userId;
    };
    const oldRefusals = [await refusal(2), await refusal(5)];
    const keptRefusals = [await refusal(0.5), await refusal(-0.01)];

    for (const daysAgo of [2, 3, 4, 5, 6]) {
      await db.query(`INSERT INTO login_failures (account_key, ip, occurred_at) VALUES ('x@example.com', '10.0.0.1', $1)`, [ago(daysAgo)]);
    }
    await db.query(`INSERT INTO login_failures (account_key, ip, occurred_at) VALUES ('x@example.com', '10.0.0.1', $1)`, [ago(0.1)]);
    const journal = async (session: string, messageId: string, daysAgo: number): Promise<void> => {
      for (const part of [0, 1]) {
        await db.query(`INSERT INTO wa_inbound_journal (session_id, message_id, part, stanza, plaintext, created_at) VALUES ($1, $2, $3, '\\x00', '\\x00', $4)`, [session, messageId, part, ago(daysAgo)]);
      }
    };
    const gone = randomUUID(); // a session that never connected again
    const live = randomUUID();
    await journal(gone, 'OLD1', 40);
    await journal(gone, 'OLD2', 31);
    await journal(live, 'RECENT', 2);
    const mailsBefore = await db.count('mails');

    const idempotencyKey = async (expiresDaysAgo: number): Promise<string> => {
      const key = randomUUID();
      await db.query(`INSERT INTO idempotency_keys (tenant_id, key, fingerprint, state, expires_at) VALUES ($1, $2, 'fp', 'done', $3)`, [user.tenantId, key, ago(expiresDaysAgo)]);
      return key;
    };
    const oldKeys = [await idempotencyKey(2), await idempotencyKey(3)];
    const keptKeys = [await idempotencyKey(0.5), await idempotencyKey(-1)];
    const pacedSession = randomUUID();
    await db.query(`INSERT INTO wa_sessions (id, tenant_id, status) VALUES ($1, $2, 'disconnected')`, [pacedSession, user.tenantId]);
    const queued = async (status: string, updatedDaysAgo: number): Promise<string> => {
      const id = `3EB0${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
      await db.query(
        `INSERT INTO send_queue (session_id, id, tenant_id, chat_jid, payload, status, scheduled_at, updated_at) VALUES ($1, $2, $3, 'x@s.whatsapp.net', '{}', $4, $5, $5)`,
        [pacedSession, id, user.tenantId, status, ago(updatedDaysAgo)],
      );
      return id;
    };
    const oldSends = [await queued('sent', 8), await queued('cancelled', 10), await queued('failed', 9)];
    const keptSends = [await queued('sent', 2), await queued('queued', 30), await queued('sending', 30)];

    const report = await t.app.get(RetentionService).run(new Date(now));

    expect(report).toEqual({ deliveredCallbacks: 3, deliveredWebhookSubscriptionDeliveries: 2, mails: 3, refreshTokens: 2, emailTokens: 2, accessTokenRefusals: 2, idempotencyKeys: 2, finishedSends: 3, loginFailures: 5, inboundJournal: 4 });
    expect((await db.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE key = ANY($1::text[])`, [[...oldKeys, ...keptKeys]])).map((r) => r.key).sort()).toEqual([...keptKeys].sort());
    expect((await db.query<{ id: string }>(`SELECT id FROM send_queue WHERE id = ANY($1::text[])`, [[...oldSends, ...keptSends]])).map((r) => r.id).sort()).toEqual([...keptSends].sort());
    const ids = async (table: string, list: string[]): Promise<string[]> =>
      (await db.query<{ id: string }>(`SELECT id::text FROM ${table} WHERE id = ANY($1::uuid[])`, [list])).map((r) => r.id).sort();
    expect(await ids('webhook_deliveries', [...oldDelivered, ...kept])).toEqual([...kept].sort());
    expect(await db.query(`SELECT delivery_id FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[])`, [oldDelivered])).toEqual([]);
    expect(await ids('webhook_subscription_deliveries', [...oldSubDelivered, ...keptSub])).toEqual([...keptSub].sort());
    expect(await ids('mails', [...oldMails, ...keptMails])).toEqual([...keptMails].sort());
    expect(await db.count('mails')).toBe(mailsBefore - 3);
    expect(await ids('refresh_tokens', [...oldRefresh, ...keptRefresh])).toEqual([...keptRefresh].sort());
    expect(await ids('email_tokens', [...oldEmailTokens, ...keptEmailTokens])).toEqual([...keptEmailTokens].sort());
    expect((await db.query<{ id: string }>(`SELECT user_id::text AS id FROM access_token_refusals WHERE user_id = ANY($1::uuid[])`, [[...oldRefusals, ...keptRefusals]])).map((r) => r.id).sort()).toEqual([...keptRefusals].sort());
    expect(await db.count('login_failures')).toBe(1);
    expect(await db.query(`SELECT session_id::text, message_id, part FROM wa_inbound_journal ORDER BY part`)).toEqual([
      { session_id: live, message_id: 'RECENT', part: 0 },
      { session_id: live, message_id: 'RECENT', part: 1 },
    ]);

    // A second run finds nothing more.
    expect(await t.app.get(RetentionService).run(new Date(now))).toEqual({ deliveredCallbacks: 0, deliveredWebhookSubscriptionDeliveries: 0, mails: 0, refreshTokens: 0, emailTokens: 0, accessTokenRefusals: 0, idempotencyKeys: 0, finishedSends: 0, loginFailures: 0, inboundJournal: 0 });
  });

  it('finds the rows of every rule through an index, not a table scan', async () => {
    const rules = retentionRules(t.config.retention);
    expect(rules.map((r) => r.name)).toContain('inboundJournal');
    // With sequential scans priced out, the planner only falls back to one when no index fits.
    await db.query('SET enable_seqscan = off');
    for (const rule of rules) {
      const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT ${rule.key} FROM ${rule.table} WHERE ${rule.where.replace(/\$1/g, 'now()')} LIMIT 1000`);
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      // An index searched by the condition (Index Cond / Recheck Cond), not scanned whole.
      expect({ rule: rule.name, seqScan: text.includes('Seq Scan'), searched: /(Index|Recheck) Cond/.test(text) }).toEqual({ rule: rule.name, seqScan: false, searched: true });
    }
  });
});
