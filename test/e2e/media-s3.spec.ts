/** Media on an S3-compatible store: a real S3-protocol server (s3rver) started by the test. */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, logIn, signUp, type Json } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { newUser, nextEvent, onboardInSandbox, uniquePhone } from '../support/sessions-harness.js';
import { everyKind, pdf, png, sha256, upload } from '../support/media-fixtures.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

describe('media on S3', () => {
  let s3: S3TestServer;

  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3.close();
  });

  describe('presigned URLs', () => {
    let t: TestApp;
    let alice: string;
    let bob: string;

    beforeAll(async () => {
      t = await startTestApp({ env: { ...s3.env, MEDIA_URL_TTL_SECONDS: '2' } });
      alice = (await logIn(t, (await signUp(t)).email)).accessToken;
      bob = (await logIn(t, (await signUp(t)).email)).accessToken;
    });
    afterAll(async () => {
      await t.close({ drop: true });
    });

    it('stores each kind and hands out a presigned URL to the same bytes', async () => {
      for (const fixture of await everyKind()) {
        const res = await upload(t, { token: alice, kind: fixture.kind, file: { bytes: fixture.bytes, fileName: fixture.fileName } });
        expect(res.status).toBe(201);
        const url = new URL(res.body.url);
        expect(url.origin).toBe(s3.endpoint);
        expect(url.pathname.startsWith(`/${s3.bucket}/tenants/`)).toBe(true);
        expect(url.searchParams.get('X-Amz-Expires')).toBe('2');
        const fetched = await fetch(url);
        expect(fetched.status).toBe(200);
        expect(fetched.headers.get('content-type')).toBe(fixture.mime);
        expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(fixture.bytes));
      }
    });

    it('streams a document larger than one S3 part (5 MB) as a multipart upload', async () => {
      const bytes = Buffer.concat([pdf(), Buffer.alloc(12 * 1024 * 1024, 0x5a)]);
      const { status, body } = await upload(t, { token: alice, kind: 'document', file: { bytes, fileName: 'big.pdf' } });
      expect(status).toBe(201);
      expect(body).toMatchObject({ size: bytes.length, sha256: sha256(bytes), mime: 'application/pdf' });
      const fetched = await fetch(body.url);
      expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(bytes));
    });

    it('mints a fresh URL on every read; an old one expires', async () => {
      const bytes = await png();
      const { body } = await upload(t, { token: alice, kind: 'image', file: { bytes, fileName: 'p.png' } });
      expect((await fetch(body.url)).status).toBe(200);
      // The URL says when it dies (X-Amz-Date + X-Amz-Expires, whole seconds): wait for that instant, then the store refuses it.
      await untilPast(expiryOf(body.url));
      const expired = await fetch(body.url);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('Request has expired');
      const fresh = await call(t, 'GET', `/media/${body.id}`, { token: alice });
      expect(fresh.body.url).not.toBe(body.url);
      const again = await fetch(fresh.body.url);
      expect(again.status).toBe(200);
      expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(sha256(bytes));
    });

    it('streams through GET /media/:id/content too, with ranges, and only to the owner', async () => {
      const bytes = pdf();
      const { body } = await upload(t, { token: alice, kind: 'document', file: { bytes, fileName: 'doc.pdf' } });
      const whole = await fetch(`${t.baseUrl}/media/${body.id}/content`, { headers: { authorization: `Bearer ${alice}` } });
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
      const part = await fetch(`${t.baseUrl}/media/${body.id}/content`, { headers: { authorization: `Bearer ${alice}`, range: 'bytes=0-7' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('%PDF-1.4');
      expectErrorShape(await call(t, 'GET', `/media/${body.id}`, { token: bob }), 404, 'NOT_FOUND');
      expectErrorShape(await call(t, 'GET', `/media/${body.id}/content`, { token: bob }), 404, 'NOT_FOUND');
    });
  });

  describe('inbound WhatsApp media (sandbox)', () => {
    let t: TestApp;
    let receiver: CallbackReceiver;

    beforeAll(async () => {
      receiver = await CallbackReceiver.start({});
      t = await startTestApp({ env: { ...s3.env, WA_SANDBOX: 'true', DOWNLOAD_MEDIA: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50' } });
    });
    afterAll(async () => {
      await t.close({ drop: true });
      await receiver.close();
    });

    it('streams a contact document larger than one part into the bucket; the event URL is presigned, the callback URL does not expire', async () => {
      const user = await newUser(t);
      const { sessionId, phone } = await onboardInSandbox(t, user.token);
      const bytes = Buffer.concat([pdf(), Buffer.alloc(7 * 1024 * 1024, 0x33)]);
      const contactPhone = uniquePhone();
      const stored = nextEvent(t, 'session.messages.media', (e) => e.payload.media[0]?.chatJid === `${contactPhone}@s.whatsapp.net`);
      const messageId = await t.app.get(SandboxService).simulator.contact(contactPhone).send(phone, {
        media: { kind: 'document', mimetype: 'application/pdf', data: bytes, fileName: 'factura.pdf' },
      });
      const media = (await stored).payload.media[0]!;
      const url = new URL(media.url!);
      expect(url.origin).toBe(s3.endpoint);
      expect(url.pathname).toBe(`/${s3.bucket}/tenants/${user.tenantId}/sessions/${sessionId}/messages/${messageId}/factura.pdf`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
      expect(sha256(Buffer.from(await (await fetch(url)).arrayBuffer()))).toBe(sha256(bytes));

      const received = '/api/whatsapp/messages/received';
      await receiver.waitFor((r) => r.delivered.some((c) => c.path === received && c.body.sender_number === contactPhone), 20_000, 'the callback');
      const info = receiver.delivered.find((c) => c.path === received && c.body.sender_number === contactPhone)!.body.media_info as Json;
      expect(info).toMatchObject({ state: 'stored', url: `/media/${media.mediaId}/content`, sha256: sha256(bytes) });
      const streamed = await fetch(`${t.baseUrl}${info.url}`, { headers: { authorization: `Bearer ${user.token}` } });
      expect(sha256(Buffer.from(await streamed.arrayBuffer()))).toBe(sha256(bytes));

      // Deleting the session deletes its objects from the bucket (deletePrefix, once the delete committed).
      const upload = await fetch(url);
      expect(upload.status).toBe(200);
      await upload.arrayBuffer();
      expect((await call(t, 'DELETE', `/sessions/${sessionId}`, { token: user.token })).status).toBe(200);
      const deadline = Date.now() + 15_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        const res = await fetch(url);
        status = res.status;
        await res.arrayBuffer();
        if (status === 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(404);
    });
  });

  describe('with S3_PUBLIC_BASE_URL', () => {
    let t: TestApp;
    let alice: string;

    beforeAll(async () => {
      t = await startTestApp({ env: { ...s3.env, S3_PUBLIC_BASE_URL: `${s3.endpoint}/${s3.bucket}/` } });
      alice = (await logIn(t, (await signUp(t)).email)).accessToken;
    });
    afterAll(async () => {
      await t.close({ drop: true });
    });

    it('answers base + object key, unsigned', async () => {
      const bytes = await png();
      const { status, body } = await upload(t, { token: alice, kind: 'image', file: { bytes, fileName: 'public photo.png' } });
      expect(status).toBe(201);
      expect(body.url).toBe(`${s3.endpoint}/${s3.bucket}/tenants/${(await call(t, 'GET', '/users/me', { token: alice })).body.tenantId}/uploads/${body.id}/public_photo.png`);
      const fetched = await fetch(body.url);
      expect(fetched.status).toBe(200);
      expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(bytes));
    });
  });
});

function expiryOf(url: string): Date {
  const params = new URL(url).searchParams;
  const signedAt = params.get('X-Amz-Date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  return new Date(Date.parse(signedAt) + Number(params.get('X-Amz-Expires')) * 1000);
}

/** Resolves once the clock is past `instant` (the next whole second, as the store compares seconds). */
async function untilPast(instant: Date): Promise<void> {
  const wait = instant.getTime() + 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
