/**
 * Media over WhatsApp (sandbox: real Baileys against the simulator and its HTTPS media host), both
 * ways, through the HTTP API: each kind uploaded with POST /media and sent with
 * POST /chats/:jid/messages { mediaId } arrives in the contact's inbox with the same SHA-256; each
 * kind a contact sends is downloaded (download-media on) or downloaded on demand (off), served
 * back with the same bytes, announced as session.messages.media and called back with media_info.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { everyKind, sha256, upload, type Fixture } from '../support/media-fixtures.js';
import { newUser, nextEvent, onboardInSandbox, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SIM_KIND = { image: 'image', video: 'video', audio: 'audio', voice: 'ptt', document: 'document', sticker: 'sticker' } as const;
const CAPTIONED = ['image', 'video', 'document'];
const RECEIVED = '/api/whatsapp/messages/received';

describe('media over WhatsApp (sandbox)', () => {
  let receiver: CallbackReceiver;
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let user: TestUser;
  let sessionId: string;
  let phone: string;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    t = await startTestApp({ env: { WA_SANDBOX: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50' } });
    sim = t.app.get(SandboxService).simulator;
    user = await newUser(t);
    ({ sessionId, phone } = await onboardInSandbox(t, user.token));
  });
  afterAll(async () => {
    await t?.close({ drop: true });
    await receiver?.close();
  });

  async function bytesAt(url: string): Promise<Buffer> {
    const res = await fetch(url.startsWith('http') ? url : `${t.baseUrl}${url}`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  async function messageOf(chatJid: string, messageId: string): Promise<Json> {
    const page = await call(t, 'GET', `/chats/${encodeURIComponent(chatJid)}/messages?limit=200`, { token: user.token });
    expect(page.status).toBe(200);
    return page.body.data.find((m: Json) => m.id === messageId);
  }

  const contactSends = (fixture: Fixture, contactPhone: string): Promise<string> =>
    sim.contact(contactPhone).send(phone, {
      media: {
        kind: SIM_KIND[fixture.kind], mimetype: fixture.mime, data: fixture.bytes, fileName: fixture.fileName,
        ...(CAPTIONED.includes(fixture.kind) ? { caption: `mi ${fixture.kind}` } : {}),
      },
    });

  it('sends each kind given by mediaId, with the same bytes, caption and file name, and lists it with its media', async () => {
    for (const fixture of await everyKind()) {
      const contact = sim.contact(uniquePhone());
      const uploaded = await upload(t, { token: user.token, kind: fixture.kind, file: { bytes: fixture.bytes, fileName: fixture.fileName } });
      expect(uploaded.status).toBe(201);
      const caption = CAPTIONED.includes(fixture.kind) ? `un ${fixture.kind}` : undefined;
      const sent = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages`, { token: user.token, body: { mediaId: uploaded.body.id, content: caption } });
      expect(sent.status).toBe(201);
      expect(sent.body).toMatchObject({ id: expect.any(String), chatJid: contact.jid, status: expect.stringMatching(/^(pending|sent)$/) });
      const record = await sim.waitForSentMessage((m) => m.id === sent.body.id && m.decryptedBy.includes('contact'));
      expect({ kind: fixture.kind, media: record.media }).toMatchObject({
        kind: fixture.kind,
        media: {
          kind: SIM_KIND[fixture.kind], mimetype: fixture.mime, sha256: sha256(fixture.bytes), size: fixture.bytes.length,
          ...(caption ? { caption } : {}), ...(fixture.kind === 'document' ? { fileName: fixture.fileName } : {}),
        },
      });
      const listed = await messageOf(contact.jid, sent.body.id);
      expect(listed).toMatchObject({ fromMe: true, text: caption ?? null, media: { kind: fixture.kind, state: 'stored', sha256: sha256(fixture.bytes), size: fixture.bytes.length } });
      expect(sha256(await bytesAt(listed.media.url))).toBe(sha256(fixture.bytes));
    }
  });

  it('refuses a bad mediaId send in the error shape', async () => {
    const to = `/chats/${uniquePhone()}/messages`;
    const other = await newUser(t);
    const foreign = await upload(t, { token: other.token, kind: 'document', file: { bytes: Buffer.from('%PDF-1.4\n'), fileName: 'x.pdf' } });
    expectErrorShape(await call(t, 'POST', to, { token: user.token, body: { mediaId: foreign.body.id } }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'POST', to, { token: user.token, body: { mediaId: 'not-a-uuid' } }), 400, 'VALIDATION_ERROR');
    const [, sticker] = await everyKind();
    const mine = await upload(t, { token: user.token, kind: 'sticker', file: { bytes: sticker!.bytes, fileName: 's.webp' } });
    expectErrorShape(await call(t, 'POST', to, { token: user.token, body: { mediaId: mine.body.id, content: 'no' } }), 400, 'BAD_REQUEST');
    expectErrorShape(await call(t, 'POST', to, { token: user.token, body: { mediaId: mine.body.id, forwardMessageId: 'ABCDEF123456' } }), 400, 'BAD_REQUEST');
  });

  it('with download-media on, downloads each kind a contact sends, announces it, and calls back with its URL', async () => {
    expect((await call(t, 'POST', '/config/download-media', { token: user.token, body: { enabled: true } })).body.enabled).toBe(true);
    for (const fixture of await everyKind()) {
      const contactPhone = uniquePhone();
      const jid = `${contactPhone}@s.whatsapp.net`;
      const announced = nextEvent(t, 'session.messages.media', (e) => e.sessionId === sessionId && e.payload.media[0]?.chatJid === jid);
      const messageId = await contactSends(fixture, contactPhone);
      const event = await announced;
      expect(event.payload).toMatchObject({
        tenantId: user.tenantId, mediaCount: 1, source: 'event',
        media: [{ messageId, chatJid: jid, kind: fixture.kind, mime: fixture.mime, size: fixture.bytes.length, sha256: sha256(fixture.bytes), url: expect.any(String) }],
      });
      expect(sha256(await bytesAt(event.payload.media[0]!.url!))).toBe(sha256(fixture.bytes));
      const listed = await messageOf(jid, messageId);
      expect(listed.media).toMatchObject({ kind: fixture.kind, state: 'stored', mediaId: event.payload.media[0]!.mediaId, sha256: sha256(fixture.bytes) });
      expect(listed.media.url).toBe(`/media/${listed.media.mediaId}/content`);
      await receiver.waitFor((r) => r.delivered.some((c) => c.path === RECEIVED && (c.body.media_info as Json)?.media_id === listed.media.mediaId), 20_000, 'the callback');
      const callback = receiver.delivered.find((c) => c.path === RECEIVED && (c.body.media_info as Json)?.media_id === listed.media.mediaId)!;
      expect(callback.body).toMatchObject({
        session_id: sessionId, sender_number: contactPhone, message_type: fixture.kind === 'voice' ? 'audio' : fixture.kind,
        media_info: {
          kind: fixture.kind, mime: fixture.mime, size: fixture.bytes.length, sha256: sha256(fixture.bytes), state: 'stored',
          url: `/media/${listed.media.mediaId}/content`, caption: CAPTIONED.includes(fixture.kind) ? `mi ${fixture.kind}` : null,
        },
      });
    }
  });

  it('with download-media off, keeps the metadata only, and downloads on demand', async () => {
    expect((await call(t, 'POST', '/config/download-media', { token: user.token, body: { enabled: false } })).body.enabled).toBe(false);
    const [image] = await everyKind();
    const contactPhone = uniquePhone();
    const jid = `${contactPhone}@s.whatsapp.net`;
    const messageId = await contactSends(image!, contactPhone);
    await receiver.waitFor((r) => r.delivered.some((c) => c.path === RECEIVED && c.body.sender_number === contactPhone), 20_000, 'the callback');
    const callback = receiver.delivered.find((c) => c.path === RECEIVED && c.body.sender_number === contactPhone)!;
    expect(callback.body.media_info).toMatchObject({ kind: 'image', mime: 'image/png', sha256: sha256(image!.bytes), url: null, media_id: null, state: 'not_downloaded' });
    expect((await messageOf(jid, messageId)).media).toMatchObject({ kind: 'image', url: null, mediaId: null, state: 'not_downloaded', sha256: sha256(image!.bytes) });

    const announced = nextEvent(t, 'session.messages.media', (e) => e.payload.media[0]?.messageId === messageId);
    const downloaded = await call(t, 'POST', `/chats/${contactPhone}/messages/${messageId}/media`, { token: user.token });
    expect(downloaded.status).toBe(200);
    expect(downloaded.body.data).toMatchObject({ id: messageId, media: { kind: 'image', state: 'stored', sha256: sha256(image!.bytes), url: expect.any(String) } });
    expect((await announced).payload.source).toBe('on_demand');
    expect(sha256(await bytesAt(downloaded.body.data.media.url))).toBe(sha256(image!.bytes));
    const again = await call(t, 'POST', `/chats/${contactPhone}/messages/${messageId}/media`, { token: user.token });
    expect(again.body.data.media.mediaId).toBe(downloaded.body.data.media.mediaId);

    const textId = await sim.contact(contactPhone).sendText(phone, 'sin media');
    await receiver.waitFor((r) => r.delivered.some((c) => c.path === RECEIVED && c.body.message_content === 'sin media'), 20_000, 'the text callback');
    expectErrorShape(await call(t, 'POST', `/chats/${contactPhone}/messages/${textId}/media`, { token: user.token }), 422, 'UNPROCESSABLE_ENTITY');
    expectErrorShape(await call(t, 'POST', `/chats/${contactPhone}/messages/NOSUCHMESSAGE1/media`, { token: user.token }), 404, 'NOT_FOUND');
    const other = await newUser(t);
    expectErrorShape(await call(t, 'POST', `/chats/${contactPhone}/messages/${messageId}/media?sessionId=${sessionId}`, { token: other.token }), 404, 'NOT_FOUND');
  });

  it('answers 409 for a send when the session is not connected', async () => {
    const mine = await upload(t, { token: user.token, kind: 'document', file: { bytes: Buffer.from('%PDF-1.4\n'), fileName: 'y.pdf' } });
    expect(mine.status).toBe(201);
    expect((await call(t, 'POST', `/sessions/${sessionId}/stop`, { token: user.token })).body.data.status).toBe('disconnected');
    expectErrorShape(await call(t, 'POST', `/chats/${uniquePhone()}/messages`, { token: user.token, body: { mediaId: mine.body.id } }), 409, 'SESSION_NOT_CONNECTED');
  });
});
