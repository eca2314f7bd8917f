/**
 * libsignal prints a session it closes (root key, chain keys, our ephemeral private key) with
 * console.info. The app runs in a child process whose stdout is captured whole: a contact that
 * starts a new Signal session makes the session's libsignal close the old one, and stdout shows
 * the close only as our debug line, never the session's keys.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { startAppProcess, type AppProcess } from '../support/app-process-runner.js';
import { pairOn, signUpOn } from '../support/app-process-session.js';
import { uniquePhone } from '../support/sessions-harness.js';
import { createTestDatabase } from '../support/test-database.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

describe('libsignal console output', () => {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let app: AppProcess | undefined;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('signalconsole');
  });
  afterAll(async () => {
    app?.child.kill('SIGKILL');
    await sim.stop();
    await receiver.close();
    await db.drop();
  });

  it('never prints key material when a Signal session is closed', async () => {
    app = await startAppProcess({
      DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'debug', JWT_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'wa-sigcon-')),
      BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', WA_SERVER_URL: sim.url,
    });
    let stdout = '';
    app.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const stdoutEnded = new Promise((resolve) => app!.child.stdout!.once('end', resolve));

    const token = await signUpOn(app.baseUrl, 'sigcon@example.com');
    const phone = uniquePhone();
    await pairOn(app.baseUrl, token, sim, { phoneNumber: phone });
    const contact = sim.contact(uniquePhone());
    const received = (text: string) => receiver.waitFor(
      (r) => r.delivered.some((c) => c.path.endsWith('/messages/received') && c.body.message_content === text), 30_000, `"${text}" called back`,
    );

    await contact.sendText(phone, 'first session');
    await received('first session');
    // The contact forgets its session and starts a new one: the companion's libsignal closes the old.
    const device = sim.pairedDevices(phone)[0]!;
    contact.party.dropSession(`${device.lid}_1.${device.deviceId}`);
    await contact.sendText(phone, 'second session');
    await received('second session');

    // A graceful stop, then the end of stdout: every line the process wrote has been read.
    app.child.kill('SIGTERM');
    await app.exited;
    await stdoutEnded;
    app = undefined;

    for (const secret of ['privKey', 'rootKey', 'chainKey', 'ephemeralKeyPair', '<Buffer']) expect(stdout).not.toContain(secret);
    // Nothing but our JSON log lines reached stdout after the ready line.
    expect(stdout.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
    // The close did happen: it is our debug line, text only.
    const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const closes = lines.filter((l) => l.module === 'libsignal' && l.msg === 'Closing session:');
    expect(closes.length).toBeGreaterThanOrEqual(1);
    expect(closes[0]).not.toHaveProperty('session');
  });
});
