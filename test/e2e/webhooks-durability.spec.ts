/**
 * Durability and multi-instance safety of the callbacks: pending callbacks survive an app that
 * goes away, rows left `delivering` by a crashed instance are retaken, and two instances sharing
 * one database deliver every callback once, in order per session.
 */
import pg from 'pg';
import { DomainEvents } from '../../src/events/domain-events.js';
import { CallbackReceiver, waitUntil, type ReceivedCallback } from '../support/callback-receiver.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { emitQr, newSimulatedSession, ONBOARDING_PATHS, simulateOnboarding, type SimulatedSession } from '../support/webhook-events.js';

const SECRET = 'durability-webhook-secret-0123';

function forSession(list: ReceivedCallback[], s: SimulatedSession): ReceivedCallback[] {
  return list.filter((r) => r.body.session_id === s.sessionId);
}

function envFor(receiver: CallbackReceiver): Record<string, string> {
  return {
    BACKEND_BASE_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    BACKEND_TIMEOUT: '2000',
    BACKEND_RETRIES: '20',
    WEBHOOK_POLL_INTERVAL_MS: '50',
  };
}

describe('webhooks: durability across restarts', () => {
  let receiver: CallbackReceiver;
  let db: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({ secret: SECRET, backendDb: true });
    db = await createTestDatabase('app');
  });
  afterAll(async () => {
    await receiver.close();
    await db.drop();
  });

  it('delivers everything still pending when the app went away, each callback under one webhook-id', async () => {
    const sessions = [newSimulatedSession(), newSimulatedSession(), newSimulatedSession()];
    // The backend fails everything: nothing gets delivered by the first instance.
    receiver.behaviour = () => ({ status: 503 });
    const first = await startTestApp({ databaseUrl: db.url, env: envFor(receiver) });
    const events = first.app.get(DomainEvents);
    await Promise.all(sessions.map((s) => simulateOnboarding(events, s)));
    await receiver.waitFor((r) => sessions.every((s) => forSession(r.requests, s).length >= 1), 15_000, 'a failed attempt per session');
    await first.close();
    const failedIds = new Set(receiver.requests.map((r) => r.headers['webhook-id']));

    receiver.behaviour = undefined;
    const second = await startTestApp({ databaseUrl: db.url, env: envFor(receiver) });
    try {
      await receiver.waitFor(
        (r) => sessions.every((s) => forSession(r.delivered, s).length === ONBOARDING_PATHS.length),
        30_000,
        'every onboarding after the restart',
      );
      for (const s of sessions) expect(forSession(receiver.delivered, s).map((r) => r.path)).toEqual(ONBOARDING_PATHS);
      const deliveredIds = receiver.delivered.map((r) => r.headers['webhook-id']);
      expect(new Set(deliveredIds).size).toBe(deliveredIds.length);
      // The heads that failed before the restart were re-sent under their own webhook-id.
      for (const id of failedIds) expect(deliveredIds).toContain(id);
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      const byStatus = async (): Promise<unknown[]> => (await pool.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`)).rows;
      const expected = [{ status: 'delivered', n: sessions.length * ONBOARDING_PATHS.length }];
      await waitUntil(async () => JSON.stringify(await byStatus()) === JSON.stringify(expected), 5_000, 'recorded outcomes').finally(() => pool.end());
    } finally {
      await second.close();
    }
  });

  it('retakes rows a crashed instance left delivering once their lease expired', async () => {
    const s = newSimulatedSession();
    receiver.behaviour = () => ({ status: 503 });
    const first = await startTestApp({ databaseUrl: db.url, env: envFor(receiver) });
    for (let i = 0; i < 3; i++) await emitQr(first.app.get(DomainEvents), s, `2@crash-${i}`, i + 1);
    await receiver.waitFor((r) => forSession(r.requests, s).length >= 1);
    await first.close();
    // What a crash mid-attempt leaves behind: the head claimed by an instance that never finished.
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await pool.query(
      `UPDATE webhook_deliveries SET status = 'delivering', locked_by = 'crashed-instance', lease_token = gen_random_uuid(),
              locked_until = clock_timestamp() - interval '1 second'
        WHERE session_id = $1 AND seq = 1`,
      [s.sessionId],
    );
    receiver.behaviour = undefined;
    const second = await startTestApp({ databaseUrl: db.url, env: envFor(receiver) });
    try {
      await receiver.waitFor((r) => forSession(r.delivered, s).length === 3, 20_000, 'the crashed rows');
      expect(forSession(receiver.delivered, s).map((r) => r.body.qr_data)).toEqual(['2@crash-0', '2@crash-1', '2@crash-2']);
      await waitUntil(
        async () => (await pool.query(`SELECT 1 FROM webhook_deliveries WHERE session_id = $1 AND status <> 'delivered'`, [s.sessionId])).rows.length === 0,
        5_000,
        'all rows delivered',
      );
    } finally {
      await second.close();
      await pool.end();
    }
  });
});

describe('webhooks: two instances on one database', () => {
  let receiver: CallbackReceiver;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({ secret: SECRET });
    // This test is about two instances claiming one outbox; a receiver answering after the 2 s
    // timeout on a busy machine would (rightly) be retried and count as a second delivery.
    const env = { ...envFor(receiver), BACKEND_TIMEOUT: '15000' };
    a = await startTestApp({ env });
    b = await startTestApp({ databaseUrl: a.databaseUrl, env });
  });
  afterAll(async () => {
    await b.close();
    await a.close({ drop: true });
    await receiver.close();
  });

  it('delivers each callback exactly once and in order per session', async () => {
    const sessions = Array.from({ length: 12 }, () => newSimulatedSession());
    const perSession = 15;
    const eventsA = a.app.get(DomainEvents);
    const eventsB = b.app.get(DomainEvents);
    // Both instances produce, for every session, interleaved; both deliver.
    await Promise.all(
      sessions.map(async (s, k) => {
        for (let i = 0; i < perSession; i++) await emitQr((i + k) % 2 === 0 ? eventsA : eventsB, s, `2@${i}`, i + 1);
      }),
    );
    const total = sessions.length * perSession;
    await receiver.waitFor((r) => r.delivered.length >= total, 30_000, 'every callback');
    const ids = receiver.delivered.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    for (const s of sessions) {
      expect(forSession(receiver.delivered, s).map((r) => r.body.qr_data)).toEqual(Array.from({ length: perSession }, (_, i) => `2@${i}`));
    }
    // Both instances took part, and together they counted each callback once.
    const deliveredBy = await Promise.all([a, b].map(async (app) => {
      const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
      return Number(/webhook_deliveries_total\{event="qr-update",outcome="delivered"\} (\d+)/.exec(text)?.[1] ?? 0);
    }));
    expect(deliveredBy[0] + deliveredBy[1]).toBe(total);
    expect(Math.min(...deliveredBy)).toBeGreaterThan(0);
  });
});
