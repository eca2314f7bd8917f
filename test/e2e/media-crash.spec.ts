/**
 * A download the process was killed in the middle of (SIGKILL, no shutdown) stays marked
 * `downloading` in the database, and the next instance redoes it at boot: the media ends stored
 * with the bytes the contact sent, and the held callback goes out once, with its URL.
 * The app runs in child processes against the simulator in this process; they trust its media
 * host's certificate through NODE_EXTRA_CA_CERTS, as a deployment trusts a private CA.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { startAppProcess, type AppProcess, killApp } from '../support/app-process-runner.js';
import { signUpOn, pairOn } from '../support/app-process-session.js';
import { sha256 } from '../support/media-fixtures.js';
import { uniquePhone } from '../support/sessions-harness.js';
import { createTestDatabase } from '../support/test-database.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';
const RECEIVED = '/api/whatsapp/messages/received';

describe('a media download killed half-way', () => {
  let receiver: CallbackReceiver;
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('mediacrash');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined); // the database is dropped under idle clients at the end
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await pool.end();
    await sim.stop();
    await receiver.close();
    await db.drop();
  });

  async function start(env: Record<string, string>): Promise<AppProcess> {
    const app = await startAppProcess(env);
    child = app.child;
    return app;
  }

  const mediaRow = async (messageId: string): Promise<{ state: string; attempts: number; id: string } | undefined> =>
    (await pool.query('SELECT id, state, attempts FROM wa_media WHERE message_id = $1', [messageId])).rows[0];

  it('is redone at boot by the next instance, with the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wa-media-crash-'));
    const caFile = join(dir, 'media-ca.pem');
    writeFileSync(caFile, sim.mediaTrust().ca);
    const env = {
      DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: join(dir, 'data'), WA_SERVER_URL: sim.url,
      DOWNLOAD_MEDIA: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', NODE_EXTRA_CA_CERTS: caFile,
    };
    const first = await start(env);
    const token = await signUpOn(first.baseUrl, 'media-crash@example.com', 'media-crash-password-1');
    const phone = uniquePhone();
    await pairOn(first.baseUrl, token, sim, { phoneNumber: phone });

    const held = sim.holdMediaDownloads();
    const data = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3 * 2 ** 20)]);
    const contactPhone = uniquePhone();
    const messageId = await sim.contact(contactPhone).send(phone, { media: { kind: 'document', mimetype: 'application/pdf', data, fileName: 'informe.pdf' } });
    await held.started;
    expect(await mediaRow(messageId)).toMatchObject({ state: 'downloading', attempts: 1 });

    await killApp(first);
    child = undefined;
    held.release();
    expect(await mediaRow(messageId)).toMatchObject({ state: 'downloading' });
    // A write killed mid-transfer leaves its temporary file (whether this one got that far varies):
    // one is planted, as old as such a leftover, and the next instance removes it at boot.
    const leftover = join(dir, 'data', 'media', 'tenants', 't', 'sessions', 's', 'messages', 'm', 'informe.pdf.0f8fad5b-d9cb-469f-a165-70867728950e.part');
    mkdirSync(dirname(leftover), { recursive: true });
    writeFileSync(leftover, 'half');
    utimesSync(leftover, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const partials = (): string[] => readdirSync(join(dir, 'data', 'media'), { recursive: true }).map(String).filter((n) => n.endsWith('.part'));
    expect(receiver.delivered.some((c) => c.path === RECEIVED)).toBe(false);

    const second = await start(env);
    await waitUntil(async () => (await mediaRow(messageId))?.state === 'stored', 30_000, 'the download redone');
    const row = (await mediaRow(messageId))!;
    expect(row.attempts).toBe(2);
    await waitUntil(async () => partials().length === 0, 10_000, 'the partial file removed');
    const res = await fetch(`${second.baseUrl}/media/${row.id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(data));
    await receiver.waitFor((r) => r.delivered.some((c) => c.path === RECEIVED), 20_000, 'the held callback');
    const callbacks = receiver.delivered.filter((c) => c.path === RECEIVED);
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]!.body).toMatchObject({
      sender_number: contactPhone, message_type: 'document',
      media_info: { state: 'stored', media_id: row.id, url: `/media/${row.id}/content`, sha256: sha256(data), size: data.length, file_name: 'informe.pdf' },
    });
  });
});
