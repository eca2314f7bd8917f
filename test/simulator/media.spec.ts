/**
 * Media both ways through the simulator's HTTPS media host, trusted by Baileys only through the
 * options it offers (`fetchAgent`, `options.dispatcher`, `downloadMediaMessage`'s options).
 */
import { createHash, randomBytes } from 'node:crypto';
import { downloadMediaMessage, type AnyMessageContent, type WAMessage } from '@whiskeysockets/baileys';
import { WhatsAppSimulator, type MediaKind } from '../../src/simulator/index.js';
import { nextPhone, pairAndOpen, type TestClient } from './helpers.js';

const upsertOf = (client: TestClient, id: string): Promise<WAMessage> =>
  client.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id)).then((u) => u.messages.find((m) => m.key.id === id)!);
const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('simulator media', () => {
  let sim: WhatsAppSimulator;
  let client: TestClient;
  const phone = nextPhone();

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50 });
    const { fetchAgent, dispatcher } = sim.mediaTrust();
    ({ client } = await pairAndOpen(sim, { phoneNumber: phone }, { config: { fetchAgent, options: { dispatcher } } }));
  });
  afterAll(async () => {
    await client.end();
    await sim.stop();
  });

  const inbound: [MediaKind, string, keyof NonNullable<WAMessage['message']>][] = [
    ['image', 'image/png', 'imageMessage'],
    ['video', 'video/mp4', 'videoMessage'],
    ['audio', 'audio/mpeg', 'audioMessage'],
    ['ptt', 'audio/ogg; codecs=opus', 'audioMessage'],
    ['document', 'application/pdf', 'documentMessage'],
    ['sticker', 'image/webp', 'stickerMessage'],
  ];

  it.each(inbound)('a contact sends %s: downloadMediaMessage decrypts exactly what was sent', async (kind, mimetype, field) => {
    const alice = sim.contact(nextPhone('1666'));
    const data = randomBytes(3000 + Math.floor(Math.random() * 5000));
    const caption = kind === 'sticker' || kind === 'audio' || kind === 'ptt' ? undefined : `a ${kind}`;
    const id = await alice.send(phone, { media: { kind, mimetype, data, caption, fileName: kind === 'document' ? 'report.pdf' : undefined } });
    const msg = await upsertOf(client, id);
    const content = msg.message?.[field] as { mimetype?: string; caption?: string; ptt?: boolean; fileName?: string; url?: string };
    expect(content.mimetype).toBe(mimetype);
    if (caption) expect(content.caption).toBe(caption);
    if (kind === 'ptt') expect(content.ptt).toBe(true);
    if (kind === 'document') expect(content.fileName).toBe('report.pdf');
    expect(content.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v\//);
    const bytes = await downloadMediaMessage(msg, 'buffer', { options: { dispatcher: sim.mediaTrust().dispatcher } });
    expect(bytes.equals(data)).toBe(true);
  });

  it('refuses a download that does not trust the host (no TLS checks are off)', async () => {
    const bob = sim.contact(nextPhone('1667'));
    const msg = await upsertOf(client, await bob.send(phone, { media: { kind: 'document', mimetype: 'text/plain', data: Buffer.from('secret') } }));
    await expect(downloadMediaMessage(msg, 'buffer', {})).rejects.toThrow();
  });

  const outbound: [MediaKind, (data: Buffer) => AnyMessageContent, string | undefined][] = [
    ['image', (data) => ({ image: data, mimetype: 'image/png', caption: 'pic' }), 'pic'],
    ['document', (data) => ({ document: data, mimetype: 'application/pdf', fileName: 'a.pdf', caption: 'doc' }), 'doc'],
    ['ptt', (data) => ({ audio: data, mimetype: 'audio/ogg; codecs=opus', ptt: true }), undefined],
    ['video', (data) => ({ video: data, mimetype: 'video/mp4', caption: 'clip' }), 'clip'],
    ['sticker', (data) => ({ sticker: data, mimetype: 'image/webp' }), undefined],
  ];

  it.each(outbound)('the session sends %s: the simulator decrypts exactly the input', async (kind, content, caption) => {
    const carol = sim.contact(nextPhone('1668'));
    const data = randomBytes(4096 + Math.floor(Math.random() * 4096));
    const sent = await client.sock.sendMessage(carol.jid, content(data));
    const id = sent!.key.id!;
    const record = await sim.waitForSentMessage((m) => m.id === id && m.decryptedBy.includes('contact'));
    expect(record.kind).toBe('media');
    expect(record.media).toMatchObject({ kind, sha256: hex(data), size: data.length, caption });
    expect(record.media?.bytes?.equals(data)).toBe(true);
    const [entry] = sim.inboxOf(carol.phoneNumber, phone).messages.filter((m) => m.id === id);
    expect(entry?.media?.sha256).toBe(hex(data));
  });

  it('checks uploads: the auth from media_conn and the sha256 of the body must match the token', async () => {
    const host = sim.mediaHost!;
    const { dispatcher } = sim.mediaTrust();
    const body = randomBytes(64);
    const token = createHash('sha256').update(body).digest('base64url');
    const post = (t: string, auth: string) =>
      fetch(`https://${host.hostname}/mms/document/${t}?auth=${encodeURIComponent(auth)}&token=${t}`, { method: 'POST', body, dispatcher });
    expect((await post(token, 'wrong')).status).toBe(401);
    expect((await post(createHash('sha256').update('other').digest('base64url'), host.auth)).status).toBe(400);
    const ok = await post(token, host.auth);
    expect(ok.status).toBe(200);
    const { url, direct_path: directPath } = (await ok.json()) as { url: string; direct_path: string };
    expect(url).toBe(`https://${host.hostname}${directPath}`);
    const back = await fetch(url, { dispatcher });
    expect(Buffer.from(await back.arrayBuffer()).equals(body)).toBe(true);
  });
});
