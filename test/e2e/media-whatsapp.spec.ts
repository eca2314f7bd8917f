/**
 * Media out over WhatsApp (sandbox: real Baileys against the simulator and its HTTPS media host):
 * each kind uploaded through POST /media and sent by MediaSendService (what POST /chats/:jid/messages
 * { mediaId } calls) arrives in the contact's inbox with the same SHA-256.
 */
import { MediaSendService } from '../../src/media/media-send.service.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { expectErrorShape } from '../support/auth-helpers.js';
import { everyKind, sha256, upload } from '../support/media-fixtures.js';
import { awaitStatus, newUser, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call } from '../support/auth-helpers.js';

const SIM_KIND = { image: 'image', video: 'video', audio: 'audio', voice: 'ptt', document: 'document', sticker: 'sticker' } as const;

describe('media sent over WhatsApp (sandbox)', () => {
  let t: TestApp;
  let user: TestUser;
  let sessionId: string;
  const phone = uniquePhone();

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    user = await newUser(t);
    sessionId = (await call(t, 'POST', '/sessions', { token: user.token })).body.id;
    await awaitStatus(t, user.token, sessionId, 'qr_required');
    await sandboxScan(t, user.token, sessionId, phone);
    await awaitStatus(t, user.token, sessionId, 'connected');
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('delivers each kind with the same bytes, caption and file name', async () => {
    const sim = t.app.get(SandboxService).simulator;
    const sender = t.app.get(MediaSendService);
    const auth = { userId: user.userId, tenantId: user.tenantId, role: 'user' as const, via: 'jwt' as const };
    for (const fixture of await everyKind()) {
      const contact = sim.contact(uniquePhone());
      const uploaded = await upload(t, { token: user.token, kind: fixture.kind, file: { bytes: fixture.bytes, fileName: fixture.fileName } });
      expect(uploaded.status).toBe(201);
      const caption = ['image', 'video', 'document'].includes(fixture.kind) ? `un ${fixture.kind}` : undefined;
      const sent = await sender.send(auth, sessionId, contact.jid, uploaded.body.id, caption);
      const record = await sim.waitForSentMessage((m) => m.id === sent.messageId && m.decryptedBy.includes('contact'));
      expect({ kind: fixture.kind, media: record.media }).toMatchObject({
        kind: fixture.kind,
        media: {
          kind: SIM_KIND[fixture.kind], mimetype: fixture.mime, sha256: sha256(fixture.bytes), size: fixture.bytes.length,
          ...(caption ? { caption } : {}), ...(fixture.kind === 'document' ? { fileName: fixture.fileName } : {}),
        },
      });
      const [entry] = sim.inboxOf(contact.phoneNumber, phone).messages.filter((m) => m.id === sent.messageId);
      expect(entry?.media?.sha256).toBe(sha256(fixture.bytes));
    }
  });

  it("refuses another tenant's media (404) and a session that is not connected (409)", async () => {
    const sender = t.app.get(MediaSendService);
    const other = await newUser(t);
    const { body } = await upload(t, { token: other.token, kind: 'document', file: { bytes: Buffer.from('%PDF-1.4\n'), fileName: 'x.pdf' } });
    const auth = { userId: user.userId, tenantId: user.tenantId, role: 'user' as const, via: 'jwt' as const };
    const error = await sender.send(auth, sessionId, '5491100000000@s.whatsapp.net', body.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    const stopped = (await call(t, 'POST', `/sessions/${sessionId}/stop`, { token: user.token })).body.data;
    expect(stopped.status).toBe('disconnected');
    const mine = await upload(t, { token: user.token, kind: 'document', file: { bytes: Buffer.from('%PDF-1.4\n'), fileName: 'y.pdf' }, query: `?sessionId=${sessionId}` });
    expect(mine.status).toBe(201);
    expect(await sender.send(auth, sessionId, '5491100000000@s.whatsapp.net', mine.body.id).catch((e: unknown) => e)).toMatchObject({ code: 'SESSION_NOT_CONNECTED' });
    expectErrorShape(await call(t, 'GET', `/media/${body.id}`, { token: user.token }), 404, 'NOT_FOUND');
  });
});
