/**
 * Media throughput and memory: the whole app in this process, on a real PostgreSQL (or `--embedded`),
 * storing on local disk, or with `--s3` on an S3-protocol server (s3rver) in a child process.
 *  - upload: N documents of S MB streamed to POST /media (multipart, generated on the fly) → MB/s;
 *  - download: each streamed back from GET /media/:id/content → MB/s;
 *  - big: one document of B MB (default 100) up and down while RSS is sampled every 20 ms →
 *    baseline, peak and growth of this process's RSS (target: grows < 30 MB).
 * Every transfer is checked by SHA-256. Prints JSON.
 * With `--convert`, instead: the voice-note and sticker conversions of POST /media (support/media-convert.ts).
 *
 *   npm run bench:media -- [--files 20] [--mb 5] [--big-mb 100] [--s3] [--embedded]
 *   npm run bench:media -- --convert [--rounds 3] [--embedded]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { convertBench } from './support/media-convert.js';
import { round } from './support/stats.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '20' },
    mb: { type: 'string', default: '5' },
    'big-mb': { type: 'string', default: '100' },
    s3: { type: 'boolean', default: false },
    embedded: { type: 'boolean', default: false },
    convert: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
  },
});
const FILES = Number(values.files);
const MB = 1024 * 1024;
const FILE_BYTES = Number(values.mb) * MB;
const BIG_BYTES = Number(values['big-mb']) * MB;
const CHUNK = 64 * 1024;

/** `size` bytes of a seeded pattern, produced chunk by chunk (never held whole). */
function pattern(size: number, seed: number): Readable {
  const block = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) block[i] = (i * 31 + seed) & 0xff;
  block.write('%PDF-1.4\n', 0);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(CHUNK, size - sent);
      sent += n;
      this.push(n === CHUNK ? Buffer.from(block) : block.subarray(0, n));
    },
  });
}

function patternSha(size: number, seed: number): Promise<string> {
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    pattern(size, seed).on('data', (c: Buffer) => hash.update(c)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });
}

/** POST /media with a multipart body streamed from `pattern` (Content-Length known up front). */
function uploadDocument(base: string, token: string, size: number, seed: number): Promise<{ id: string; sha256: string }> {
  const boundary = `----bench${seed}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ndocument\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench-${seed}.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(`${base}/media`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; sha256: string };
        if (res.statusCode !== 201) reject(new Error(`upload answered ${res.statusCode}: ${JSON.stringify(body)}`));
        else resolve(body);
      });
    });
    req.on('error', reject);
    req.write(head);
    const body = pattern(size, seed);
    body.pipe(req, { end: false });
    body.on('end', () => req.end(tail));
  });
}

async function download(base: string, token: string, id: string): Promise<{ sha256: string; bytes: number }> {
  const res = await fetch(`${base}/media/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200 || !res.body) throw new Error(`download answered ${res.status}`);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function postJson(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

/** s3rver in its own process, so that its memory is not counted as ours. */
async function startS3(directory: string): Promise<{ env: Record<string, string>; child: ChildProcess }> {
  const script = `import S3rver from 's3rver';
    const s = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(directory)}, configureBuckets: [{ name: 'bench' }] });
    const { port } = await s.run(); console.log(port);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return {
    child,
    env: {
      S3_BUCKET: 'bench', S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true',
    },
  };
}

async function main(): Promise<void> {
  const { createApp, loadConfig, createRootLogger } = await loadAppModules();
  const db = await openBenchDatabase('bench_media', { embedded: values.embedded });
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-bench-media-'));
  const s3 = values.s3 ? await startS3(join(dataDir, 's3')) : undefined;
  const config = loadConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SIGNUP_MAX_PER_IP: '1000000', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    MEDIA_MAX_BYTES_DOCUMENT: String(Math.max(BIG_BYTES, FILE_BYTES) + MB),
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...s3?.env,
  });
  const { app } = await createApp(config, createRootLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const email = `bench-${Date.now()}@example.com`;
    await postJson(base, '/users', { email, password: 'bench-password-123', name: 'Bench' });
    const token = (await postJson(base, '/auth/login', { email, password: 'bench-password-123' })).accessToken as string;
    if (values.convert) {
      console.log(JSON.stringify({ ...(await convertBench(base, token, Number(values.rounds))), database: db.kind, storage: s3 ? 's3' : 'local disk' }, null, 2));
      return;
    }

    // Warm-up (JIT, pools, first-use allocations) before anything is measured.
    const warm = await uploadDocument(base, token, MB, 999);
    await download(base, token, warm.id);

    const expected = await Promise.all(Array.from({ length: FILES }, (_, i) => patternSha(FILE_BYTES, i)));
    let started = performance.now();
    const uploaded = [];
    for (let i = 0; i < FILES; i++) uploaded.push(await uploadDocument(base, token, FILE_BYTES, i));
    const uploadSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let mismatches = uploaded.filter((u, i) => u.sha256 !== expected[i]).length;
    for (let i = 0; i < FILES; i++) if ((await download(base, token, uploaded[i].id)).sha256 !== expected[i]) mismatches++;
    const downloadSeconds = (performance.now() - started) / 1000;

    const bigSha = await patternSha(BIG_BYTES, 7);
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    started = performance.now();
    const big = await uploadDocument(base, token, BIG_BYTES, 7);
    const bigUploadSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const back = await download(base, token, big.id);
    const bigDownloadSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());

    console.log(JSON.stringify({
      bench: 'media',
      storage: s3 ? 's3 (s3rver, child process)' : 'local disk',
      database: db.kind,
      files: FILES,
      fileMB: FILE_BYTES / MB,
      uploadMBps: round((FILES * FILE_BYTES) / MB / uploadSeconds),
      downloadMBps: round((FILES * FILE_BYTES) / MB / downloadSeconds),
      big: {
        mb: BIG_BYTES / MB,
        uploadMBps: round(BIG_BYTES / MB / bigUploadSeconds),
        downloadMBps: round(BIG_BYTES / MB / bigDownloadSeconds),
        rssBaselineMB: round(baseline / MB),
        rssPeakMB: round(peak / MB),
        rssGrowthMB: round((peak - baseline) / MB),
        targetGrowthMB: 30,
        sha256Equal: big.sha256 === bigSha && back.sha256 === bigSha && back.bytes === BIG_BYTES,
      },
      sha256Mismatches: mismatches,
    }, null, 2));
  } finally {
    await app.close();
    s3?.child.kill('SIGTERM');
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
