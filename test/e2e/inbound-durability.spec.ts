/**
 * Baileys acknowledges an inbound message to WhatsApp before it emits it. The app is SIGKILLed in
 * exactly that window (its commit is held by a table lock until the receipt has gone out), and a
 * new instance must still store and call back the message: WhatsApp will never send it again.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { startAppProcess, killApp } from '../support/app-process-runner.js';
import { signUpOn, pairOn } from '../support/app-process-session.js';
import { uniquePhone } from '../support/sessions-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

describe('an inbound message acknowledged just before a crash', () => {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let child: ChildProcess | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('journal');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined); // the database is dropped under idle clients at the end
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await second?.close();
    await pool.end();
    await sim.stop();
    await receiver.close();
    await db.drop();
  });

  it('is stored and called back by the next instance', async () => {
    const env = {
      DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'wa-journal-')),
      BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url,
    };
    const app = await startAppProcess(env);
    child = app.child;
    const token = await signUpOn(app.baseUrl, 'journal@example.com', 'journal-password-1');
    const phone = uniquePhone();
    const sessionId = await pairOn(app.baseUrl, token, sim, { phoneNumber: phone });

    // Hold every outbox write: the message's transaction cannot commit until the lock is released.
    const locker = await pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE');
    const contactPhone = uniquePhone();
    const acked = new Set<string>();
    const stopRecording = sim.events.on('receipt', (r) => r.phoneNumber === phone && r.messageIds.forEach((id) => acked.add(id)));
    const messageId = await sim.contact(contactPhone).sendText(phone, 'acknowledged, then the crash');
    if (!acked.has(messageId)) await sim.waitFor('receipt', (r) => r.messageIds.includes(messageId), 20_000);
    stopRecording();

    await killApp(app);
    child = undefined;
    await locker.query('ROLLBACK');
    locker.release();
    const journaled = await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1 AND message_id = $2', [sessionId, messageId]);
    expect(journaled.rowCount).toBe(1);
    expect(receiver.delivered.some((r) => r.body.message_content === 'acknowledged, then the crash')).toBe(false);

    second = await startTestApp({ databaseUrl: db.url, env: { BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url } });
    await receiver.waitFor(
      (r) => r.delivered.some((c) => c.path.endsWith('/messages/received') && c.body.message_content === 'acknowledged, then the crash'),
      30_000, 'the recovered message called back',
    );
    const received = receiver.delivered.filter((c) => c.path.endsWith('/messages/received') && c.body.session_id === sessionId);
    expect(received).toHaveLength(1);
    expect(received[0].body.sender_number).toBe(contactPhone);
    await waitUntil(async () => (await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1', [sessionId])).rowCount === 0, 10_000, 'the journal released');
  });
});
