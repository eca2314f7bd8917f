/**
 * A real crash: the app runs in a child process that is SIGKILLed while callbacks are pending.
 * A new instance on the same database delivers every one of them, in order per session, a repeat
 * only ever under the same webhook-id.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { postJson, startAppProcess, killApp } from '../support/app-process-runner.js';
import { signUpOn } from '../support/app-process-session.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'crash-webhook-secret-0123456789';
const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

describe('callbacks survive a crash', () => {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let child: ChildProcess | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({ secret: SECRET, backendDb: true });
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('crash');
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await second?.close();
    await sim.stop();
    await receiver.close();
    await db.drop();
  });

  it('delivers every pending callback after the app is killed with SIGKILL', async () => {
    const env = {
      DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'wa-crash-')),
      BACKEND_BASE_URL: receiver.url, WEBHOOK_SECRET: SECRET, BACKEND_TIMEOUT: '2000', BACKEND_RETRIES: '20',
      WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url,
    };
    receiver.behaviour = () => ({ status: 503 });
    const app = await startAppProcess(env);
    child = app.child;

    const token = await signUpOn(app.baseUrl, 'crash@example.com', 'crash-password-1');
    const sessionIds = [];
    for (let i = 0; i < 3; i++) sessionIds.push((await postJson(app.baseUrl, '/sessions', {}, token)).id as string);

    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const pending = async () => (await pool.query<{ id: string; session_id: string; seq: string }>(`SELECT id, session_id, seq FROM webhook_deliveries ORDER BY session_id, seq`)).rows;
    // Each session has reported its QR (qr-update + status-update) and the backend refused a first attempt.
    await waitUntil(async () => new Set((await pending()).map((r) => r.session_id)).size === 3, 20_000, 'callbacks queued for 3 sessions');
    await receiver.waitFor((r) => new Set(r.requests.map((q) => q.body.session_id)).size === 3, 20_000, 'a refused attempt per session');

    await killApp(app);
    child = undefined;
    const queued = await pending();
    expect(queued.length).toBeGreaterThanOrEqual(6);

    receiver.behaviour = undefined;
    second = await startTestApp({ databaseUrl: db.url, env: { BACKEND_BASE_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url } });
    const deliveredIds = () => new Set(receiver.delivered.map((r) => r.headers['webhook-id'] as string));
    await receiver.waitFor(() => queued.every((row) => deliveredIds().has(row.id)), 30_000, 'every queued callback');

    for (const sessionId of sessionIds) {
      const expectedOrder = queued.filter((r) => r.session_id === sessionId).map((r) => r.id);
      const firstDeliveries = [...new Map(receiver.delivered.filter((r) => r.body.session_id === sessionId).map((r) => [r.headers['webhook-id'], r])).keys()];
      expect(firstDeliveries.slice(0, expectedOrder.length)).toEqual(expectedOrder);
    }
    expect(receiver.requests.every((r) => r.signatureValid === true)).toBe(true);
    await pool.end();
  });
});
