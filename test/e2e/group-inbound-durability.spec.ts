/**
 * The inbound journal for group messages: Baileys decrypts a member's `skmsg` through the
 * sender-key path and acknowledges it to WhatsApp before it emits it. The app is SIGKILLed in
 * exactly that window (its commit held by a table lock until the receipt has gone out), and a new
 * instance must still store and call back the group message, with its sender and its group.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { gidJid } from '../../src/simulator/groups/group-store.js';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { startAppProcess, killApp } from '../support/app-process-runner.js';
import { signUpOn, pairOn } from '../support/app-process-session.js';
import { uniquePhone } from '../support/sessions-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';
const TEXT = 'group message acknowledged, then the crash';

describe('a group message acknowledged just before a crash', () => {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let child: ChildProcess | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('group_journal');
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

  it('is stored and called back by the next instance, with its sender and group', async () => {
    const env = {
      DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'wa-group-journal-')),
      BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url,
    };
    const app = await startAppProcess(env);
    child = app.child;
    const token = await signUpOn(app.baseUrl, 'group-journal@example.com', 'journal-password-1');
    const phone = uniquePhone();
    const sessionId = await pairOn(app.baseUrl, token, sim, { phoneNumber: phone });

    const [owner, member] = [uniquePhone(), uniquePhone()];
    const { group: created } = sim.groups.create(owner, 'Crash', [phone, member]);
    const group = { id: gidJid(created.id) };
    await waitUntil(async () => (await pool.query('SELECT 1 FROM wa_groups WHERE session_id = $1 AND jid = $2', [sessionId, group.id])).rowCount === 1, 20_000, 'the group stored');

    // Hold every outbox write: the message's transaction cannot commit until the lock is released.
    const locker = await pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE');
    const acked = new Set<string>();
    const stopRecording = sim.events.on('receipt', (r) => r.phoneNumber === phone && r.messageIds.forEach((id) => acked.add(id)));
    const messageId = await sim.groups.members.send(member, group.id, { text: TEXT });
    if (!acked.has(messageId)) await sim.waitFor('receipt', (r) => r.phoneNumber === phone && r.messageIds.includes(messageId), 20_000);
    stopRecording();

    await killApp(app);
    child = undefined;
    await locker.query('ROLLBACK');
    locker.release();
    const journaled = await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1 AND message_id = $2', [sessionId, messageId]);
    expect(journaled.rowCount).toBeGreaterThanOrEqual(1);
    expect((await pool.query('SELECT 1 FROM wa_messages WHERE session_id = $1 AND wa_id = $2', [sessionId, messageId])).rowCount).toBe(0);

    second = await startTestApp({ databaseUrl: db.url, env: { BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url } });
    await receiver.waitFor(
      (r) => r.delivered.some((c) => c.path.endsWith('/messages/received') && c.body.message_content === TEXT),
      30_000, 'the recovered group message called back',
    );
    const received = receiver.delivered.filter((c) => c.path.endsWith('/messages/received') && c.body.session_id === sessionId && c.body.message_content === TEXT);
    expect(received).toHaveLength(1);
    expect(received[0].body).toMatchObject({ sender_number: member, chat_jid: group.id, is_group: true, group_subject: 'Crash' });
    const stored = await pool.query('SELECT sender_phone FROM wa_messages WHERE session_id = $1 AND wa_id = $2', [sessionId, messageId]);
    expect(stored.rows).toEqual([{ sender_phone: member }]);
    await waitUntil(async () => (await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1', [sessionId])).rowCount === 0, 10_000, 'the journal released');
  });
});
