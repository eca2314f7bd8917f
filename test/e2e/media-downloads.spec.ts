/**
 * Inbound media downloads when WhatsApp's side misbehaves (sandbox: real Baileys against the
 * simulator's media host, with its faults): the CDN copy gone (the phone is asked to upload it
 * again), downloads failing for a while (retried with backoff) or for good (marked failed, then
 * downloaded on demand), and media larger than BODY_LIMIT_BYTES through the sandbox contact route.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { sha256 } from '../support/media-fixtures.js';
import { newUser, nextEvent, onboardInSandbox, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RECEIVED = '/api/whatsapp/messages/received';
const MAX_DOCUMENT = 4 * 2 ** 20;

describe('inbound media downloads (sandbox faults)', () => {
  let receiver: CallbackReceiver;
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let pool: pg.Pool;
  let user: TestUser;
  let sessionId: string;
  let phone: string;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    t = await startTestApp({
      env: {
        WA_SANDBOX: 'true', DOWNLOAD_MEDIA: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50',
        MEDIA_DOWNLOAD_MAX_ATTEMPTS: '3', MEDIA_DOWNLOAD_RETRY_BASE_MS: '100', MEDIA_DOWNLOAD_POLL_MS: '50', ...Object.fromEntries(['IMAGE', 'VIDEO', 'AUDIO', 'VOICE', 'DOCUMENT'].map((k) => [`MEDIA_MAX_BYTES_${k}`, String(MAX_DOCUMENT)])),
      },
    });
    pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
    pool.on('error', () => undefined);
    sim = t.app.get(SandboxService).simulator;
    user = await newUser(t);
    ({ sessionId, phone } = await onboardInSandbox(t, user.token));
  });
  afterAll(async () => {
    await pool?.end();
    await t?.close({ drop: true });
    await receiver?.close();
  });

  const document = (size: number): Buffer => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size, 0x61)]);
  const row = async (messageId: string): Promise<{ id: string; state: string; attempts: number; last_error: string | null }> =>
    (await pool.query('SELECT id, state, attempts, last_error FROM wa_media WHERE message_id = $1', [messageId])).rows[0];
  const sendDocument = (contactPhone: string, data: Buffer): Promise<string> =>
    sim.contact(contactPhone).send(phone, { media: { kind: 'document', mimetype: 'application/pdf', data, fileName: 'doc.pdf' } });

  async function served(mediaId: string): Promise<string> {
    const res = await fetch(`${t.baseUrl}/media/${mediaId}/content`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(res.status).toBe(200);
    return sha256(Buffer.from(await res.arrayBuffer()));
  }

  it('asks the phone to upload again media the CDN no longer has (404), and stores it', async () => {
    const data = document(50_000);
    const contactPhone = uniquePhone();
    const asked = sim.waitFor('receipt', (r) => r.phoneNumber === phone && r.type === 'server-error', 20_000);
    const stored = nextEvent(t, 'session.messages.media', (e) => e.payload.media[0]?.chatJid === `${contactPhone}@s.whatsapp.net`);
    sim.failMediaDownloads(1, 404);
    const messageId = await sendDocument(contactPhone, data);
    await asked;
    expect((await stored).payload.media[0]).toMatchObject({ messageId, sha256: sha256(data), size: data.length });
    expect(await row(messageId)).toMatchObject({ state: 'stored', attempts: 1 });
    expect(await served((await row(messageId)).id)).toBe(sha256(data));
  });

  it('retries a failing download with backoff; the held callback goes out after the first attempt', async () => {
    const data = document(20_000);
    const contactPhone = uniquePhone();
    const stored = nextEvent(t, 'session.messages.media', (e) => e.payload.media[0]?.chatJid === `${contactPhone}@s.whatsapp.net`);
    sim.failMediaDownloads(2, 503);
    const messageId = await sendDocument(contactPhone, data);
    await stored;
    const done = await row(messageId);
    expect(done).toMatchObject({ state: 'stored', attempts: 3, last_error: null });
    expect(await served(done.id)).toBe(sha256(data));
    await receiver.waitFor((r) => r.delivered.some((c) => c.path === RECEIVED && c.body.sender_number === contactPhone), 20_000, 'the callback');
    const callbacks = receiver.delivered.filter((c) => c.path === RECEIVED && c.body.sender_number === contactPhone);
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]!.body.media_info).toMatchObject({ state: 'pending', url: null, media_id: done.id, sha256: sha256(data) });
  });

  it('marks a download failed after the last attempt; on demand it is tried again', async () => {
    const data = document(10_000);
    const contactPhone = uniquePhone();
    sim.failMediaDownloads(3, 503);
    const messageId = await sendDocument(contactPhone, data);
    await waitUntil(async () => (await row(messageId))?.state === 'failed', 20_000, 'the download given up');
    const failed = await row(messageId);
    expect(failed.attempts).toBe(3);
    expect(failed.last_error).toMatch(/503|status|fetch|failed/i);
    const listed = await call(t, 'GET', `/chats/${contactPhone}/messages`, { token: user.token });
    expect(listed.body.data[0].media).toMatchObject({ state: 'failed', url: null, mediaId: failed.id });
    expectErrorShape(await call(t, 'GET', `/media/${failed.id}/content`, { token: user.token }), 409, 'CONFLICT');

    const again = await call(t, 'POST', `/chats/${contactPhone}/messages/${messageId}/media`, { token: user.token });
    expect(again.status).toBe(200);
    expect(again.body.data.media).toMatchObject({ state: 'stored', mediaId: failed.id, sha256: sha256(data) });
    expect(await served(failed.id)).toBe(sha256(data));
  });

  it('takes contact media larger than BODY_LIMIT_BYTES through the sandbox route, up to the largest media limit', async () => {
    const data = document(3 * 2 ** 20);
    const contactPhone = uniquePhone();
    const stored = nextEvent(t, 'session.messages.media', (e) => e.payload.media[0]?.chatJid === `${contactPhone}@s.whatsapp.net`);
    const sent = await call(t, 'POST', `/sandbox/contacts/${contactPhone}/messages`, {
      token: user.token, body: { to: phone, media: { kind: 'document', mimetype: 'application/pdf', data: data.toString('base64'), fileName: 'big.pdf' } },
    });
    expect({ status: sent.status, error: sent.body.error }).toEqual({ status: 200, error: undefined });
    expect((await stored).payload.media[0]).toMatchObject({ messageId: sent.body.messageId, size: data.length, sha256: sha256(data) });
    const tooLarge = await call(t, 'POST', `/sandbox/contacts/${contactPhone}/messages`, {
      token: user.token, body: { to: phone, media: { kind: 'document', mimetype: 'application/pdf', data: document(MAX_DOCUMENT * 1.5).toString('base64') } },
    });
    expectErrorShape(tooLarge, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('stores media whose file name and caption carry U+0000, and gives them back unchanged', async () => {
    const data = document(1000);
    const contactPhone = uniquePhone();
    const stored = nextEvent(t, 'session.messages.media', (e) => e.payload.media[0]?.chatJid === `${contactPhone}@s.whatsapp.net`);
    const messageId = await sim.contact(contactPhone).send(phone, { media: { kind: 'document', mimetype: 'application/pdf', data, fileName: 'a\u0000b.pdf', caption: 'x\u0000y' } });
    expect((await stored).payload.media[0]).toMatchObject({ messageId, fileName: 'a\u0000b.pdf' });
    const listed = await call(t, 'GET', `/chats/${contactPhone}/messages`, { token: user.token });
    expect(listed.body.data[0]).toMatchObject({ text: 'x\u0000y', media: { fileName: 'a\u0000b.pdf', state: 'stored' } });
    await receiver.waitFor((r) => r.delivered.some((c) => c.path === RECEIVED && c.body.sender_number === contactPhone), 20_000, 'the callback');
    const callback = receiver.delivered.find((c) => c.path === RECEIVED && c.body.sender_number === contactPhone)!;
    expect(callback.body).toMatchObject({ message_content: 'x\u0000y', media_info: { caption: 'x\u0000y', file_name: 'a\u0000b.pdf', state: 'stored' } });
  });

  it("wipes the session's message media (rows and objects) on logout; uploads stay with the tenant", async () => {
    const upload = await fetch(`${t.baseUrl}/media?sessionId=${sessionId}`, {
      method: 'POST', headers: { authorization: `Bearer ${user.token}` },
      body: (() => { const f = new FormData(); f.append('kind', 'document'); f.append('file', new Blob([document(100)]), 'keep.pdf'); return f; })(),
    });
    expect(upload.status).toBe(201);
    const dir = join(t.dataDir, 'media', 'tenants', user.tenantId, 'sessions', sessionId);
    expect(existsSync(dir)).toBe(true);
    expect((await call(t, 'POST', `/sessions/${sessionId}/logout`, { token: user.token })).status).toBe(200);
    const rows = await pool.query(`SELECT origin FROM wa_media WHERE session_id = $1`, [sessionId]);
    expect(rows.rows.map((r) => r.origin)).toEqual(['upload']);
    await waitUntil(async () => !existsSync(dir), 10_000, "the session's media objects deleted");
  });
});
