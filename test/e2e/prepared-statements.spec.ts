/**
 * The hot statements run as named prepared statements (src/database/prepared-statement.ts) on both
 * databases the app supports, PostgreSQL and the embedded PGlite, and as plain text with
 * DATABASE_PREPARED_STATEMENTS=false: an onboarding (credentials and keys) and inbound texts
 * (message upsert, inbound journal, callbacks) through real Baileys on the simulator, every message
 * stored once and called back, and the pool's connections show which way they ran. The same flow
 * shows the two-lane pool (src/database/connection-lanes.ts) in place on both databases: the
 * session's own writes (from Baileys' callbacks) took the session lane, the requests the other.
 */
import { DataSource } from 'typeorm';
import type { LanePool } from '../../src/database/connection-lanes.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { newUser, nextEvent, openEventSource, sandboxScan, uniquePhone } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MESSAGE_PATH = '/api/whatsapp/messages/received';
const HOT = ['wa_auth_creds_read', 'wa_auth_creds_write', 'wa_auth_keys_write', 'wa_messages_upsert', 'wa_inbound_journal_insert', 'wa_inbound_journal_release', 'webhook_enqueue'];

/**
 * The statements prepared on the pool's connections, as node-postgres recorded them when PostgreSQL
 * confirmed each Parse (`parsedStatements`; the pool and its clients are node-postgres' own).
 */
function preparedNames(t: TestApp): Set<string> {
  const pool = (t.app.get(DataSource).driver as unknown as { master: { _clients: Array<{ connection: { parsedStatements: Record<string, string> } }> } }).master;
  return new Set(pool._clients.flatMap((client) => Object.keys(client.connection.parsedStatements)));
}

async function onboardAndReceive(t: TestApp, receiver: CallbackReceiver): Promise<void> {
  const user = await newUser(t);
  // A native EventSource: fetch-event-source's browser globals would stop PGlite (sessions-harness.ts).
  const phone = uniquePhone();
  const { recorder } = openEventSource(t, `?accessToken=${encodeURIComponent(user.token)}`);
  const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
  await recorder.next((m) => m.qr);
  await sandboxScan(t, user.token, sessionId as string, phone);
  await recorder.next((m) => m.connection === 'open');
  const contactPhone = uniquePhone();
  const contact = t.app.get(SandboxService).simulator.contact(contactPhone, { pushName: 'Prepared' });
  const texts = ['first', 'second', 'third'];
  for (const [i, text] of texts.entries()) {
    const stored = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.id === `PREPARED0000${i}`));
    await contact.sendText(phone, text, { id: `PREPARED0000${i}` });
    await stored;
  }
  const page = await call(t, 'GET', `/chats/${contactPhone}/messages?sessionId=${sessionId}&limit=10`, { token: user.token });
  expect(page.status).toBe(200);
  expect((page.body.data as Array<{ id: string; text: string }>).map((m) => [m.id, m.text])).toEqual(texts.map((text, i) => [`PREPARED0000${i}`, text]).reverse());
  await receiver.waitFor(() => receiver.delivered.filter((r) => r.body.session_id === sessionId && r.path === MESSAGE_PATH).length === texts.length, 20_000, 'the callbacks');
}

describe.each([
  { setting: 'on PostgreSQL', embedded: false, prepared: true },
  { setting: 'on embedded PGlite', embedded: true, prepared: true },
  { setting: 'off (DATABASE_PREPARED_STATEMENTS=false)', embedded: false, prepared: false },
])('prepared statements $setting', ({ embedded, prepared }) => {
  let receiver: CallbackReceiver;
  let t: TestApp;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start();
    t = await startTestApp({
      embedded,
      env: { WA_SANDBOX: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', DATABASE_PREPARED_STATEMENTS: String(prepared) },
    });
  });

  afterAll(async () => {
    await t?.close({ drop: true });
    await receiver?.close();
  });

  it(prepared ? 'runs the hot statements prepared, with every message stored once and called back' : 'sends the statements as text: the same flow works and nothing is prepared', async () => {
    await onboardAndReceive(t, receiver);
    const lanes = (t.app.get(DataSource).driver as unknown as { master: LanePool }).master.laneStats;
    // At least one checkout per inbound text (its journal row and upsert come from the socket).
    expect(lanes.sessionCheckouts).toBeGreaterThanOrEqual(3);
    expect(lanes.otherCheckouts).toBeGreaterThan(0);
    expect(lanes).toMatchObject({ sessionWaiting: 0 });
    const names = preparedNames(t);
    for (const name of HOT) {
      if (prepared) expect(names).toContain(name);
      else expect(names).not.toContain(name);
    }
  });
});
