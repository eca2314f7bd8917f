/**
 * The simulator's media host (WA-PROTOCOL-2 §4): an HTTPS server on loopback that Baileys uploads to
 * (after the `w:m` media_conn answer) and downloads from by direct path. Uploads are stored by their
 * token (base64url of the encrypted file's sha256, checked); what contacts send is stored the same
 * way. Its certificate is made at start (`selfsigned`, EC P-256, SAN 127.0.0.1/localhost, its own
 * CA); nobody disables TLS checks: clients trust it through `trust()` (CA PEM, https.Agent for
 * Baileys' uploads, undici Agent for Baileys' and the product's downloads).
 */
import { randomBytes } from 'node:crypto';
import { Agent as HttpsAgent, createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LRUCache } from 'lru-cache';
import { generate } from 'selfsigned';
import { Agent as UndiciAgent } from 'undici';
import { node, type BinaryNode } from './binary.js';
import { sha256 } from './media-crypto.js';

export interface MediaHostOptions {
  /** Bytes of encrypted media kept in memory (oldest dropped first). Default 512 MiB. */
  maxStoredBytes?: number;
  /** Largest accepted upload. Default 100 MiB. */
  maxUploadBytes?: number;
}

/** What a client needs to trust the media host. */
export interface MediaTrust {
  /** The host's self-signed certificate (its own CA), PEM. */
  ca: string;
  /** For Baileys' `fetchAgent` (uploads). */
  fetchAgent: HttpsAgent;
  /** For Baileys' `options.dispatcher` and `downloadMediaMessage(..., { options: { dispatcher } })` (typed as fetch's own). */
  dispatcher: FetchDispatcher;
}

/** The dispatcher type of the global fetch's RequestInit (undici-types), which an undici Agent is at run time. */
export type FetchDispatcher = NonNullable<RequestInit['dispatcher']>;

/** Downloads held half-way (a fault for tests: a process killed in the middle of a download). */
export interface HeldDownloads {
  /** Resolves once a download has sent half its bytes and is held. */
  started: Promise<void>;
  /** Sends the rest of every held download; later downloads are served normally. */
  release(): void;
}

export interface StoredMedia {
  directPath: string;
  url: string;
}

const UPLOAD_PATH = /^\/mms\/[a-z-]+\/([A-Za-z0-9_-]{43})$/;
const DOWNLOAD_PATH = /^\/v\/t62\.[0-9-]+\/([A-Za-z0-9_-]{43})\.enc$/;
const MEDIA_CONN_TTL_SECONDS = 3600;

export class MediaHost {
  /** The `auth` value handed out in media_conn and required on uploads. */
  readonly auth = randomBytes(24).toString('base64url');
  private readonly blobs: LRUCache<string, Buffer>;
  private readonly maxUploadBytes: number;
  private trustCache?: MediaTrust;
  private port = 0;
  private hold?: { rest: Array<() => void>; notify: () => void };
  /** Downloads still to fail, with their status (a fault for tests). */
  private failures: number[] = [];
  /** Files the CDN dropped (`expire`) that the sender's phone still has, for a re-upload. */
  private readonly phoneCopies = new Map<string, Buffer>();

  private constructor(
    private readonly server: Server,
    readonly caPem: string,
    opts: MediaHostOptions,
  ) {
    this.maxUploadBytes = opts.maxUploadBytes ?? 100 * 2 ** 20;
    this.blobs = new LRUCache({ maxSize: opts.maxStoredBytes ?? 512 * 2 ** 20, sizeCalculation: (b) => Math.max(1, b.length) });
    server.on('request', (req, res) => this.handle(req, res));
  }

  static async start(opts: MediaHostOptions = {}): Promise<MediaHost> {
    const now = Date.now();
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      notBeforeDate: new Date(now - 60_000),
      notAfterDate: new Date(now + 365 * 24 * 3600_000),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
      ],
    });
    const host = new MediaHost(createServer({ key: pems.private, cert: pems.cert }), pems.cert, opts);
    await new Promise<void>((resolve, reject) => {
      host.server.once('error', reject);
      host.server.listen(0, '127.0.0.1', () => {
        host.server.off('error', reject);
        host.port = (host.server.address() as AddressInfo).port;
        resolve();
      });
    });
    return host;
  }

  /** `127.0.0.1:<port>`: the media_conn hostname. */
  get hostname(): string {
    return `127.0.0.1:${this.port}`;
  }

  trust(): MediaTrust {
    this.trustCache ??= {
      ca: this.caPem,
      fetchAgent: new HttpsAgent({ ca: this.caPem, keepAlive: true }),
      dispatcher: new UndiciAgent({ connect: { ca: this.caPem } }) as unknown as FetchDispatcher,
    };
    return this.trustCache;
  }

  /** The next `count` downloads answer `status` (a CDN hiccup; the file stays). */
  failDownloads(count: number, status = 503): void {
    this.failures.push(...Array.from({ length: count }, () => status));
  }

  /** From now on, each download sends the first half of its bytes and waits for `release()`. */
  holdDownloads(): HeldDownloads {
    const rest: Array<() => void> = [];
    let notify!: () => void;
    const started = new Promise<void>((resolve) => (notify = resolve));
    this.hold = { rest, notify };
    return {
      started,
      release: () => {
        this.hold = undefined;
        for (const send of rest.splice(0)) send();
      },
    };
  }

  /** The `<media_conn>` child of the `w:m` answer. */
  mediaConnNode(): BinaryNode {
    return node('media_conn', { auth: this.auth, ttl: String(MEDIA_CONN_TTL_SECONDS), auth_ttl: String(MEDIA_CONN_TTL_SECONDS), max_buckets: '12' }, [
      node('host', { hostname: this.hostname, maxContentLengthBytes: String(this.maxUploadBytes) }),
    ]);
  }

  /** Stores an encrypted file (what a contact sends) and returns where it is served. */
  store(file: Buffer): StoredMedia {
    const token = sha256(file).toString('base64url');
    this.blobs.set(token, file);
    return this.locate(token);
  }

  /** The CDN drops the file at `directPath` (downloads answer 404); the sender's phone keeps it. */
  expire(directPath: string): boolean {
    const token = tokenOf(directPath);
    const file = token ? this.blobs.get(token) : undefined;
    if (!token || !file) return false;
    this.blobs.delete(token);
    this.phoneCopies.set(token, file);
    return true;
  }

  /** The phone uploads the file at `directPath` again: where it is served now, or undefined if nobody has it. */
  reupload(directPath: string): StoredMedia | undefined {
    const token = tokenOf(directPath);
    const file = token ? (this.blobs.get(token) ?? this.phoneCopies.get(token)) : undefined;
    if (!token || !file) return undefined;
    this.phoneCopies.delete(token);
    this.blobs.set(token, file);
    return this.locate(token);
  }

  /** The encrypted file served at `directPath` (query ignored), if held. */
  fetch(directPath: string): Buffer | undefined {
    const token = tokenOf(directPath);
    return token ? this.blobs.get(token) : undefined;
  }

  private locate(token: string): StoredMedia {
    const expires = Math.floor(Date.now() / 1000 + 30 * 24 * 3600).toString(16).toUpperCase();
    const directPath = `/v/t62.7118-24/${token}.enc?ccb=11-4&oh=${randomBytes(8).toString('hex')}&oe=${expires}`;
    return { directPath, url: `https://${this.hostname}${directPath}` };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `https://${this.hostname}`);
    if (req.method === 'POST') {
      const token = UPLOAD_PATH.exec(url.pathname)?.[1];
      if (!token) return reply(res, 404, { error: 'unknown upload path' });
      if (url.searchParams.get('auth') !== this.auth) return reply(res, 401, { error: 'bad auth' });
      void this.receive(req, token, res);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const failure = this.failures.shift();
      if (failure !== undefined) return reply(res, failure, { error: 'injected failure' });
      const file = this.fetch(url.pathname);
      if (!file) return reply(res, 404, { error: 'not found' });
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range?.[2] ? Math.min(Number(range[2]), file.length - 1) : file.length - 1;
      if (start > end) return reply(res, 416, { error: 'bad range' });
      const body = file.subarray(start, end + 1);
      res.writeHead(range ? 206 : 200, {
        'content-type': 'application/octet-stream',
        'content-length': body.length,
        ...(range ? { 'content-range': `bytes ${start}-${end}/${file.length}` } : {}),
      });
      if (this.hold && req.method === 'GET' && body.length > 1) {
        const half = Math.floor(body.length / 2);
        res.write(body.subarray(0, half));
        this.hold.rest.push(() => res.end(body.subarray(half)));
        this.hold.notify();
        return;
      }
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    reply(res, 405, { error: 'method not allowed' });
  }

  private async receive(req: IncomingMessage, token: string, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxUploadBytes) return reply(res, 413, { error: 'too large' });
        chunks.push(chunk);
      }
    } catch {
      return reply(res, 400, { error: 'upload aborted' });
    }
    const file = Buffer.concat(chunks);
    if (sha256(file).toString('base64url') !== token) return reply(res, 400, { error: 'sha256 of the body does not match the token' });
    this.blobs.set(token, file);
    const { directPath, url } = this.locate(token);
    reply(res, 200, { url, direct_path: directPath, handle: null, object_id: token, ts: Math.floor(Date.now() / 1000) });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.trustCache?.fetchAgent.destroy();
    await this.trustCache?.dispatcher.close();
    this.blobs.clear();
    this.phoneCopies.clear();
  }
}

function tokenOf(directPath: string): string | undefined {
  return DOWNLOAD_PATH.exec(directPath.split('?')[0]!)?.[1];
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: status >= 400 ? 'close' : 'keep-alive' });
  res.end(text);
}
