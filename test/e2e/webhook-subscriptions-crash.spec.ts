/**
 * A real crash: the app runs in a child process that is SIGKILLed while subscription deliveries
 * are pending (the receiver answers 503 with Retry-After). A new instance on the same database
 * delivers every one of them, in order per (subscription, session), a repeat only ever under the
 * same webhook-id.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { postJson, startAppProcess, killApp } from '../support/app-process-runner.js';
import { signUpOn } from '../support/app-process-session.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

describe('webhook subscriptions survive a crash', () => {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let child: ChildProcess | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start();
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('subscrash');
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await second?.close();
    await sim.stop();
    await receiver.close();
    await db.drop();
  });

  it('delivers every pending delivery after the app is killed with SIGKILL', async () => {
    const env = {
      DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'wa-subs-crash-')),
      ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT: '1000', WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url,
    };
    receiver.behaviour = () => ({ status: 503, headers: { 'retry-after': '1' } });
    const app = await startAppProcess(env);
    child = app.child;

    const token = await signUpOn(app.baseUrl, 'subs-crash@example.com', 'crash-password-1');
    const hook = await postJson(app.baseUrl, '/webhooks', { url: `${receiver.url}/hook`, events: ['session.created', 'session.qr.updated'] }, token);
    const sessionIds: string[] = [];
    for (let i = 0; i < 3; i++) sessionIds.push((await postJson(app.baseUrl, '/sessions', {}, token)).id as string);

    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const rows = async () =>
      (await pool.query<{ id: string; session_id: string; seq: string; event_id: string }>(
        `SELECT id, session_id, seq, body->>'eventId' AS event_id FROM webhook_subscription_deliveries ORDER BY session_id, seq`,
      )).rows;
    // Each session has its session.created and a QR queued, and the receiver refused a first attempt of each.
    await waitUntil(async () => (await rows()).filter((r) => sessionIds.includes(r.session_id)).length >= 6, 20_000, 'deliveries queued');
    await receiver.waitFor((r) => new Set(r.requests.map((q) => q.body.sessionId)).size === 3, 20_000, 'a refused attempt per session');

    await killApp(app);
    child = undefined;
    const queued = await rows();
    expect(queued.length).toBeGreaterThanOrEqual(6);
    expect(new Set(queued.map((r) => r.session_id))).toEqual(new Set(sessionIds));

    receiver.behaviour = undefined;
    second = await startTestApp({ databaseUrl: db.url, env: { ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url } });
    const deliveredIds = () => new Set(receiver.delivered.map((r) => r.headers['webhook-id'] as string));
    await receiver.waitFor(() => queued.every((row) => deliveredIds().has(row.id)), 30_000, 'every queued delivery');

    for (const sessionId of sessionIds) {
      const expectedOrder = queued.filter((r) => r.session_id === sessionId).map((r) => r.id);
      const firstDeliveries = [...new Map(receiver.delivered.filter((r) => r.body.sessionId === sessionId).map((r) => [r.headers['webhook-id'], r])).keys()];
      expect(firstDeliveries.slice(0, expectedOrder.length)).toEqual(expectedOrder);
    }
    // One event, one webhook-id: a repeat (at least once) never comes under a new id.
    const idsByEvent = new Map<string, Set<string>>();
    for (const r of receiver.requests) {
      const eventId = r.body.eventId as string;
      idsByEvent.set(eventId, (idsByEvent.get(eventId) ?? new Set()).add(r.headers['webhook-id'] as string));
    }
    expect([...idsByEvent.values()].every((ids) => ids.size === 1)).toBe(true);
    const verifier = new Webhook(hook.secret as string);
    expect(receiver.requests.every((r) => verifier.verify(r.raw, r.headers as Record<string, string>) !== undefined)).toBe(true);
    await pool.end();
  });
});
