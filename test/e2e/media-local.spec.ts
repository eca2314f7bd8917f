/** POST /media and GET /media/:id/content on local disk (the default storage). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, logIn, signUp } from '../support/auth-helpers.js';
import { everyKind, mp4, pdf, png, sha256, upload, webp } from '../support/media-fixtures.js';

const IMAGE_LIMIT = 200_000;

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('media on local disk', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { MEDIA_MAX_BYTES_IMAGE: String(IMAGE_LIMIT), MEDIA_MAX_BYTES_STICKER: '100000' } });
    alice = (await logIn(t, (await signUp(t)).email)).accessToken;
    bob = (await logIn(t, (await signUp(t)).email)).accessToken;
  });
  afterAll(async () => {
    await t.close({ drop: true });
  });

  it('stores each kind and serves back the same bytes with their type', async () => {
    for (const fixture of await everyKind()) {
      const res = await upload(t, { token: alice, kind: fixture.kind, file: { bytes: fixture.bytes, fileName: fixture.fileName } });
      expect({ kind: fixture.kind, status: res.status }).toEqual({ kind: fixture.kind, status: 201 });
      expect(res.body).toMatchObject({
        id: expect.any(String), kind: fixture.kind, mime: fixture.mime, size: fixture.bytes.length,
        url: `/media/${res.body.id}/content`, sha256: sha256(fixture.bytes), fileName: fixture.fileName, state: 'stored',
      });
      const content = await fetch(`${t.baseUrl}${res.body.url}`, { headers: { authorization: `Bearer ${alice}` } });
      expect(content.status).toBe(200);
      expect(content.headers.get('content-type')).toBe(fixture.mime);
      expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(fixture.bytes));
    }
  });

  it('measures images and keeps the description readable', async () => {
    const res = await upload(t, { token: alice, kind: 'image', file: { bytes: await png(120, 90), fileName: 'wide.png' } });
    expect(res.body).toMatchObject({ width: 120, height: 90, duration: null });
    const described = await call(t, 'GET', `/media/${res.body.id}`, { token: alice });
    expect(described.body).toEqual(res.body);
  });

  it('serves byte ranges and takes ?accessToken= for <img src>', async () => {
    const bytes = await png(200, 200);
    const { body } = await upload(t, { token: alice, kind: 'image', file: { bytes, fileName: 'a.png' } });
    const partial = await fetch(`${t.baseUrl}${body.url}`, { headers: { authorization: `Bearer ${alice}`, range: 'bytes=10-19' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(bytes.subarray(10, 20));

    const tail = await fetch(`${t.baseUrl}${body.url}`, { headers: { authorization: `Bearer ${alice}`, range: 'bytes=-5' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 5));

    const beyond = await fetch(`${t.baseUrl}${body.url}`, { headers: { authorization: `Bearer ${alice}`, range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(((await beyond.json()) as { error: { code: string } }).error.code).toBe('RANGE_NOT_SATISFIABLE');

    const viaQuery = await fetch(`${t.baseUrl}${body.url}?accessToken=${alice}`);
    expect(viaQuery.status).toBe(200);
    expect(sha256(Buffer.from(await viaQuery.arrayBuffer()))).toBe(sha256(bytes));
    expect((await fetch(`${t.baseUrl}${body.url}`)).status).toBe(401);
  });

  it("answers 404 for another tenant's media, and for unknown ids", async () => {
    const { body } = await upload(t, { token: alice, kind: 'document', file: { bytes: pdf(), fileName: 'private.pdf' } });
    expectErrorShape(await call(t, 'GET', `/media/${body.id}`, { token: bob }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'GET', `/media/${body.id}/content`, { token: bob }), 404, 'NOT_FOUND');
    expect((await fetch(`${t.baseUrl}${body.url}?accessToken=${bob}`)).status).toBe(404);
    expectErrorShape(await call(t, 'GET', '/media/not-a-uuid/content', { token: alice }), 404, 'NOT_FOUND');
  });

  it('rejects oversize (413), mismatched (415) and unknown kinds (400), leaving no file behind', async () => {
    const before = filesUnder(join(t.dataDir, 'media'));
    // A PNG followed by padding: still detected as PNG, and larger than the image limit.
    const big = Buffer.concat([await png(), Buffer.alloc(IMAGE_LIMIT, 3)]);
    expect(big.length).toBeGreaterThan(IMAGE_LIMIT);
    const cases: Array<[Parameters<typeof upload>[1], number, string]> = [
      [{ token: alice, kind: 'image', file: { bytes: big, fileName: 'big.png' } }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ token: alice, kind: 'image', kindLast: true, file: { bytes: big, fileName: 'big.png' } }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ token: alice, kind: 'image', file: { bytes: pdf(), fileName: 'fake.png', type: 'image/png' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      // A PNG sticker is converted (media-conversions.spec.ts); a PDF is no image.
      [{ token: alice, kind: 'sticker', file: { bytes: pdf(), fileName: 's.png' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ token: alice, kind: 'voice', file: { bytes: mp4(), fileName: 'v.ogg' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ token: alice, kind: 'video', kindLast: true, file: { bytes: await webp(), fileName: 'v.mp4' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ token: alice, kind: 'gif', file: { bytes: await png(), fileName: 'a.gif' } }, 400, 'BAD_REQUEST'],
      [{ token: alice, file: { bytes: await png(), fileName: 'a.png' } }, 400, 'BAD_REQUEST'],
      [{ token: alice, kind: 'image' }, 400, 'BAD_REQUEST'],
      [{ token: alice, kind: 'image', file: { bytes: Buffer.alloc(0), fileName: 'empty.png' } }, 400, 'BAD_REQUEST'],
      [{ token: alice, kind: 'image', file: { bytes: await png(), fileName: 'a.png' }, fields: { sessionId: 'nope' } }, 400, 'BAD_REQUEST'],
    ];
    for (const [options, status, code] of cases) {
      const res = await upload(t, options);
      expect({ kind: options.kind, status: res.status, code: res.body.error?.code }).toEqual({ kind: options.kind, status, code });
      expect(res.body).toMatchObject({ success: false, error: { message: expect.any(String) }, requestId: expect.any(String) });
    }
    expect(filesUnder(join(t.dataDir, 'media'))).toEqual(before);
  });

  it('documents the multipart upload in the OpenAPI document', async () => {
    const doc = (await call(t, 'GET', '/docs-json')).body;
    const schema = doc.paths['/media'].post.requestBody.content['multipart/form-data'].schema;
    const body = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
    expect(body.properties).toMatchObject({ file: { type: 'string', format: 'binary' }, kind: { enum: ['image', 'video', 'audio', 'voice', 'document', 'sticker'] } });
    expect(Object.keys(doc.paths['/media'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '413', '415']));
    expect(doc.paths['/media/{id}/content'].get).toBeDefined();
  });

  it('answers 415 to a body that is not multipart and 404 to a session of another tenant', async () => {
    expectErrorShape(await call(t, 'POST', '/media', { token: alice, body: { kind: 'image' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const bobSession = await call(t, 'POST', '/sessions', { token: bob });
    expect(bobSession.status).toBe(201);
    const res = await upload(t, { token: alice, kind: 'image', file: { bytes: await png(), fileName: 'a.png' }, query: `?sessionId=${bobSession.body.id}` });
    expect(res.status).toBe(404);
    await call(t, 'DELETE', `/sessions/${bobSession.body.id}`, { token: bob });
  });
});
