/**
 * A socket's Signal key and journal writes are write-behind (src/whatsapp/write-barrier.ts): the
 * receipt of a message waits for them to commit. When one fails (here PostgreSQL refuses every key
 * write, by a trigger), no receipt or ack goes out, the socket is closed, and the message WhatsApp
 * redelivers at the next login is decrypted with the keys the database kept: stored and called
 * back once, with no retry asked of the contact.
 */
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { pairOn, signUpOn } from '../support/app-process-session.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { uniquePhone } from '../support/sessions-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RECEIVED = '/messages/received';

describe('a Signal key write that fails', () => {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let t: TestApp;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    sim = await WhatsAppSimulator.start({ port: 0, redeliverUnacked: true });
    db = await createTestDatabase('keyfail');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined); // the database is dropped under idle clients at the end
    t = await startTestApp({ databaseUrl: db.url, env: { WA_SERVER_URL: sim.url, BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50' } });
  });
  afterAll(async () => {
    await t?.close();
    await pool.end();
    await sim.stop();
    await receiver.close();
    await db.drop();
  });

  const calledBack = (text: string) => receiver.delivered.filter((c) => c.path.endsWith(RECEIVED) && c.body.message_content === text);

  it('sends no receipt, closes the socket, and stores the redelivered message once', async () => {
    const token = await signUpOn(t.baseUrl, 'key-failure@example.com', 'key-failure-password-1');
    const phone = uniquePhone();
    await pairOn(t.baseUrl, token, sim, { phoneNumber: phone });
    const contact = sim.contact(uniquePhone());
    // A first message: the contact's Signal session with the device, stored as usual.
    await contact.sendText(phone, 'before the failure');
    await receiver.waitFor(() => calledBack('before the failure').length === 1, 30_000, 'the first message called back');

    const receipts: string[] = [];
    const retries: string[] = [];
    sim.on('receipt', (r) => {
      if (r.phoneNumber !== phone) return;
      receipts.push(...r.messageIds);
      if (r.type === 'retry') retries.push(...r.messageIds);
    });
    await pool.query(`CREATE FUNCTION refuse_key_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'key writes refused by the test'; END $$`);
    await pool.query('CREATE TRIGGER refuse_key_writes BEFORE INSERT OR UPDATE ON wa_auth_keys FOR EACH ROW EXECUTE FUNCTION refuse_key_writes()');
    const closed = sim.waitFor('closed', (c) => c.phoneNumber === phone, 30_000);
    const id = await contact.sendText(phone, 'while keys cannot be written');
    await closed;
    expect(receipts).not.toContain(id);
    expect(calledBack('while keys cannot be written')).toHaveLength(0);

    // The database takes writes again; the app reconnects and WhatsApp redelivers what got no receipt.
    await pool.query('DROP TRIGGER refuse_key_writes ON wa_auth_keys');
    await receiver.waitFor(() => calledBack('while keys cannot be written').length === 1, 60_000, 'the redelivered message called back');
    if (!receipts.includes(id)) await sim.waitFor('receipt', (r) => r.phoneNumber === phone && r.messageIds.includes(id), 30_000);
    expect(retries).toEqual([]);
    const rows = await pool.query('SELECT count(*)::int AS n FROM wa_messages WHERE wa_id = $1', [id]);
    expect(rows.rows[0].n).toBe(1);

    // And the session goes on: the next message is stored as usual.
    await contact.sendText(phone, 'after the failure');
    await receiver.waitFor(() => calledBack('after the failure').length === 1, 30_000, 'the next message called back');
    expect(calledBack('while keys cannot be written')).toHaveLength(1);
  });
});
