/**
 * SIGTERM: the app (in its own process) closes SSE streams and WhatsApp sockets without logging
 * out, and exits; the linked device stays linked and the session stays restorable.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { postJson, startAppProcess, type AppProcess } from '../support/app-process-runner.js';
import { openSseWithHeaders, uniquePhone } from '../support/sessions-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import type { TestApp } from '../support/test-app.js';

describe('graceful shutdown', () => {
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let app: AppProcess | undefined;

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('shutdown');
  });
  afterAll(async () => {
    app?.child.kill('SIGKILL');
    await sim.stop();
    await db.drop();
  });

  it('on SIGTERM ends open streams and closes sockets without logging out, then exits', async () => {
    app = await startAppProcess({
      DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'wa-shutdown-')), WA_SERVER_URL: sim.url,
    });
    const target = { baseUrl: app.baseUrl } as TestApp;
    await postJson(app.baseUrl, '/users', { email: 'term@example.com', password: 'term-password-1', name: 'Term' });
    const token = (await postJson(app.baseUrl, '/auth/login', { email: 'term@example.com', password: 'term-password-1' })).accessToken as string;
    const headers = { authorization: `Bearer ${token}` };

    const phone = uniquePhone();
    const linked = openSseWithHeaders(target, headers).recorder;
    const { sessionId } = await linked.next((m) => m.sessionId && !m.connection);
    await linked.next((m) => m.qr);
    const qr = await (await fetch(`${app.baseUrl}/sessions/${sessionId}/qr`, { headers })).json();
    await sim.scanQr((qr as { qrText: string }).qrText, { phoneNumber: phone });
    await linked.next((m) => m.connection === 'open');

    const pending = openSseWithHeaders(target, headers).recorder;
    await pending.next((m) => m.qr);

    const socketClosed = sim.waitFor('closed', (c) => c.phoneNumber === phone, 20_000);
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    app = undefined;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    await pending.ended();
    await socketClosed;

    expect(sim.pairedDevices(phone)).toHaveLength(1);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT status FROM wa_sessions WHERE id = $1', [sessionId]);
    const creds = await client.query(`SELECT 1 FROM wa_auth_creds WHERE session_id = $1 AND creds ? 'me'`, [sessionId]);
    await client.end();
    expect(rows).toEqual([{ status: 'connected' }]);
    expect(creds.rowCount).toBe(1);
  });
});
