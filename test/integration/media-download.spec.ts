/**
 * Inbound media download with Baileys' real crypto: a file encrypted as a contact's phone does
 * (encryptedStream) is served by a local stand-in for WhatsApp's CDN; a 404 makes us ask for a
 * re-upload and try again with the new location.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptedStream, type WAMessage } from '@whiskeysockets/baileys';
import { downloadInboundMedia } from '../../src/whatsapp/media-download.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('downloadInboundMedia', () => {
  let server: Server;
  let base: string;
  let blob: Buffer;
  let mediaKey: Buffer;
  let fileSha256: Buffer;
  const plain = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300_000, 0x41)]);
  const requests: string[] = [];

  beforeAll(async () => {
    const enc = await encryptedStream(plain, 'document');
    blob = await readFile(enc.encFilePath);
    await rm(enc.encFilePath, { force: true });
    mediaKey = enc.mediaKey;
    fileSha256 = enc.fileSha256;
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/v/live.enc') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(blob);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const message = (path: string): WAMessage => ({
    key: { remoteJid: '5491100001111@s.whatsapp.net', id: 'MSG1', fromMe: false },
    message: { documentMessage: { mediaKey, url: `${base}${path}`, fileSha256, fileName: 'a.pdf', mimetype: 'application/pdf', fileLength: plain.length } },
  });

  async function bytesOf(body: NodeJS.ReadableStream): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  it('decrypts the blob to the same bytes the sender announced', async () => {
    const { media, body, reuploaded } = await downloadInboundMedia(message('/v/live.enc'), () => Promise.reject(new Error('not needed')));
    expect(reuploaded).toBe(false);
    expect(media).toMatchObject({ kind: 'document', fileName: 'a.pdf', fileSha256: fileSha256.toString('hex') });
    expect(sha(await bytesOf(body))).toBe(sha(plain));
  });

  it('asks for a re-upload when the CDN answers 404, then downloads from the new location', async () => {
    const asked: string[] = [];
    const { body, reuploaded } = await downloadInboundMedia(message('/v/expired.enc'), async (m) => {
      asked.push(m.key.id!);
      return message('/v/live.enc');
    });
    expect(asked).toEqual(['MSG1']);
    expect(reuploaded).toBe(true);
    expect(sha(await bytesOf(body))).toBe(sha(plain));
    expect(requests).toContain('/v/expired.enc');
  });

  it('fails (for a later retry) when the re-upload does not help', async () => {
    await expect(downloadInboundMedia(message('/v/expired.enc'), async () => message('/v/still-gone.enc'))).rejects.toMatchObject({
      output: { statusCode: 404 },
    });
  });
});
