/**
 * The inbound journal's crash drill, shared by the 1:1 and group specs: an app in its own process
 * with a paired session; a message acknowledged to WhatsApp while every outbox write is held by a
 * table lock (so its transaction cannot commit), the app SIGKILLed in that window, then a second
 * instance on the same database that must store and call the message back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { killApp, startAppProcess, type AppProcess } from './app-process-runner.js';
import { pairOn, signUpOn } from './app-process-session.js';
import { CallbackReceiver } from './callback-receiver.js';
import { uniquePhone } from './sessions-harness.js';
import { createTestDatabase } from './test-database.js';
import { startTestApp, type TestApp } from './test-app.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

export interface JournalCrash {
  readonly receiver: CallbackReceiver;
  readonly sim: WhatsAppSimulator;
  /** A pool on the app's database, for the test's own reads and the lock. */
  readonly pool: pg.Pool;
  /** Starts the app in its own process and pairs a new session with a new phone. */
  startPaired(email: string): Promise<{ app: AppProcess; phone: string; sessionId: string }>;
  /** Sends with `send` while outbox writes are held, waits for the session's receipt of it, then SIGKILLs the app; the message id. */
  crashAfterReceipt(app: AppProcess, phone: string, send: () => Promise<string>): Promise<string>;
  /** A second instance (in this process) on the same database, simulator and receiver. */
  restart(): Promise<TestApp>;
}

/** Registers the spec's hooks; `name` names its database and data folder. */
export function useJournalCrash(name: string): JournalCrash {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let running: AppProcess | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase(name);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined); // the database is dropped under idle clients at the end
  });
  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await second?.close();
    await pool.end();
    await sim.stop();
    await receiver.close();
    await db.drop();
  });

  return {
    get receiver() { return receiver; },
    get sim() { return sim; },
    get pool() { return pool; },
    async startPaired(email) {
      const env = {
        DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), `wa-${name}-`)),
        BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url,
      };
      const app = await startAppProcess(env);
      running = app;
      const token = await signUpOn(app.baseUrl, email, 'journal-password-1');
      const phone = uniquePhone();
      const sessionId = await pairOn(app.baseUrl, token, sim, { phoneNumber: phone });
      return { app, phone, sessionId };
    },
    async crashAfterReceipt(app, phone, send) {
      // Hold every outbox write: the message's transaction cannot commit until the lock is released.
      const locker = await pool.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE');
      const acked = new Set<string>();
      const stopRecording = sim.events.on('receipt', (r) => r.phoneNumber === phone && r.messageIds.forEach((id) => acked.add(id)));
      const messageId = await send();
      if (!acked.has(messageId)) await sim.waitFor('receipt', (r) => r.phoneNumber === phone && r.messageIds.includes(messageId), 20_000);
      stopRecording();
      await killApp(app);
      running = undefined;
      await locker.query('ROLLBACK');
      locker.release();
      return messageId;
    },
    async restart() {
      second = await startTestApp({ databaseUrl: db.url, env: { BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url } });
      return second;
    },
  };
}
