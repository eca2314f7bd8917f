/**
 * Media over WhatsApp, end to end: the whole app in this process in sandbox mode (real Baileys
 * against the in-process simulator and its HTTPS media host), on a real PostgreSQL (or
 * `--embedded`), local disk storage. One session, contacts of the simulator.
 *  - send: N documents of S MB uploaded first (not timed), then each sent with
 *    POST /chats/:jid/messages { mediaId } until the contact decrypted it (sequential) → MB/s;
 *  - receive: N documents of S MB sent by contacts, with download-media on, until every
 *    `session.messages.media` (downloaded, decrypted, stored, committed) → MB/s;
 *  - small: K images of ~20 KB each way (sends 8 at a time; contacts all at once) → messages/s.
 * Every transfer is checked by SHA-256. Prints JSON.
 *
 *   npm run bench:media-wa -- [--files 10] [--mb 5] [--small 50] [--embedded]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { round } from './support/stats.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10' },
    mb: { type: 'string', default: '5' },
    small: { type: 'string', default: '50' },
    embedded: { type: 'boolean', default: false },
  },
});
const FILES = Number(values.files);
const MB = 1024 * 1024;
const FILE_BYTES = Number(values.mb) * MB;
const SMALL = Number(values.small);
const SMALL_BYTES = 20 * 1024;
const SEND_CONCURRENCY = 8;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const pdf = (size: number): Buffer => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(size - 9)]);
/** A JPEG-looking file: the magic bytes file-type checks, then noise. */
const jpeg = (size: number): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]), randomBytes(size - 11)]);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function uploadFile(base: string, token: string, kind: string, bytes: Buffer, fileName: string): Promise<string> {
  const form = new FormData();
  form.append('kind', kind);
  form.append('file', new Blob([bytes]), fileName);
  const res = await fetch(`${base}/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await res.json()) as { id: string };
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

async function main(): Promise<void> {
  const { createApp, loadConfig, createRootLogger, DomainEvents } = await loadAppModules();
  const { SandboxService } = await import('../src/sandbox/sandbox.service.js');
  const db = await openBenchDatabase('bench_media_wa', { embedded: values.embedded });
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-bench-media-wa-'));
  const config = loadConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-01', WA_SANDBOX: 'true',
    DOWNLOAD_MEDIA: 'true', MEDIA_MAX_BYTES_DOCUMENT: String(FILE_BYTES + MB),
    ...(db.url ? { DATABASE_URL: db.url } : {}),
  });
  const { app } = await createApp(config, createRootLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const sim = app.get(SandboxService).simulator;
  const events = app.get(DomainEvents);
  try {
    const email = `bench-${Date.now()}@example.com`;
    await api(base, 'POST', '/users', undefined, { email, password: 'bench-password-123', name: 'Bench' });
    const token = (await api(base, 'POST', '/auth/login', undefined, { email, password: 'bench-password-123' })).body.accessToken as string;
    const sessionId = (await api(base, 'POST', '/sessions', token, {})).body.id as string;
    const waitStatus = async (status: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while ((await api(base, 'GET', `/sessions/${sessionId}`, token)).body.data?.status !== status) {
        if (Date.now() > deadline) throw new Error(`the session did not reach ${status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitStatus('qr_required');
    const phone = '19990001000';
    await api(base, 'POST', `/sandbox/sessions/${sessionId}/scan`, token, { phoneNumber: phone });
    await waitStatus('connected');

    const stored = new Map<string, string | null>();
    const waiters = new Map<string, () => void>();
    events.onCommit('session.messages.media', (e) => {
      for (const m of e.payload.media) {
        stored.set(m.messageId, m.sha256);
        waiters.get(m.messageId)?.();
      }
    });
    const storedOf = (id: string): Promise<void> =>
      stored.has(id) ? Promise.resolve() : new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`media of ${id} not stored within 120 s`)), 120_000);
        waiters.set(id, () => { clearTimeout(timer); resolve(); });
      });

    async function sendAll(files: Array<{ id: string; sha: string; to: string }>, concurrency: number): Promise<number> {
      let mismatches = 0;
      await pool(files, concurrency, async (f) => {
        const sent = await api(base, 'POST', `/chats/${f.to}/messages`, token, { mediaId: f.id });
        if (sent.status !== 201) throw new Error(`send answered ${sent.status}: ${JSON.stringify(sent.body)}`);
        const record = await sim.waitForSentMessage((m) => m.id === sent.body.id && m.decryptedBy.includes('contact'), 120_000);
        if (record.media?.sha256 !== f.sha) mismatches++;
      });
      return mismatches;
    }

    async function receiveAll(files: Buffer[], kind: 'document' | 'image', mimetype: string): Promise<number> {
      const ids = await Promise.all(files.map((data, i) => sim.contact(`1999100${String(i).padStart(4, '0')}`).send(phone, { media: { kind, mimetype, data, fileName: `f${i}` } })));
      await Promise.all(ids.map(storedOf));
      return ids.filter((id, i) => stored.get(id) !== sha(files[i]!)).length;
    }

    // Warm-up: one of each way.
    const warm = pdf(MB);
    await sendAll([{ id: await uploadFile(base, token, 'document', warm, 'warm.pdf'), sha: sha(warm), to: '19992000000' }], 1);
    await receiveAll([warm], 'document', 'application/pdf');

    const docs = Array.from({ length: FILES }, () => pdf(FILE_BYTES));
    const uploads = [];
    for (const [i, d] of docs.entries()) uploads.push({ id: await uploadFile(base, token, 'document', d, `doc${i}.pdf`), sha: sha(d), to: `1999200${String(i).padStart(4, '0')}` });
    let t0 = performance.now();
    let mismatches = await sendAll(uploads, 1);
    const sendSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    mismatches += await receiveAll(docs, 'document', 'application/pdf');
    const receiveSeconds = (performance.now() - t0) / 1000;

    const images = Array.from({ length: SMALL }, () => jpeg(SMALL_BYTES));
    const smallUploads = [];
    for (const [i, img] of images.entries()) smallUploads.push({ id: await uploadFile(base, token, 'image', img, `i${i}.jpg`), sha: sha(img), to: `1999300${String(i).padStart(4, '0')}` });
    t0 = performance.now();
    mismatches += await sendAll(smallUploads, SEND_CONCURRENCY);
    const smallSendSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    mismatches += await receiveAll(images, 'image', 'image/jpeg');
    const smallReceiveSeconds = (performance.now() - t0) / 1000;

    console.log(JSON.stringify({
      bench: 'media-wa',
      database: db.kind,
      storage: 'local disk',
      downloadConcurrency: config.media.download.concurrency,
      files: FILES,
      fileMB: FILE_BYTES / MB,
      send: { MBps: round((FILES * FILE_BYTES) / MB / sendSeconds), messagesPerSecond: round(FILES / sendSeconds), note: 'POST /chats/:jid/messages { mediaId } until the contact decrypted it, one at a time' },
      receive: { MBps: round((FILES * FILE_BYTES) / MB / receiveSeconds), messagesPerSecond: round(FILES / receiveSeconds), note: 'contacts send at once; until every session.messages.media' },
      small: {
        count: SMALL,
        kB: SMALL_BYTES / 1024,
        sendPerSecond: round(SMALL / smallSendSeconds),
        sendConcurrency: SEND_CONCURRENCY,
        receivePerSecond: round(SMALL / smallReceiveSeconds),
      },
      sha256Mismatches: mismatches,
    }, null, 2));
  } finally {
    await app.close();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
