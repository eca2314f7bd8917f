/**
 * Issue 30 item 6: the per-tenant media quota (MEDIA_QUOTA_BYTES_PER_TENANT, 413 beyond it with
 * nothing stored), DELETE /media/:id (tenant-scoped, the object goes from disk or S3) and
 * GET /media/usage, on local disk and on a real S3-protocol server.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, logIn, signUp, type Json } from '../support/auth-helpers.js';
import { waitUntil } from '../support/callback-receiver.js';
import { newUser, onboardInSandbox, uniquePhone } from '../support/sessions-harness.js';
import { pdf, sha256, upload } from '../support/media-fixtures.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const QUOTA = 10_000;

/** A PDF (detected as one) of exactly `size` bytes. */
function document(size: number, fill = 1): Buffer {
  const head = pdf();
  return Buffer.concat([head, Buffer.alloc(size - head.length, fill)]);
}

interface Storage {
  name: string;
  env: () => Record<string, string>;
  /** The object keys stored for a tenant. */
  objects: (t: TestApp, tenantId: string) => Promise<string[]>;
  close?: () => Promise<void>;
}

const local: Storage = {
  name: 'local disk',
  env: () => ({}),
  objects: async (t, tenantId) => {
    try {
      return readdirSync(join(t.dataDir, 'media', 'tenants', tenantId), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
    } catch {
      return [];
    }
  },
};

let s3: S3TestServer | undefined;
let s3Client: S3Client | undefined;
const onS3: Storage = {
  name: 'S3',
  env: () => s3!.env,
  objects: async (_t, tenantId) => {
    s3Client ??= new S3Client({
      endpoint: s3!.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: s3!.bucket, Prefix: `tenants/${tenantId}/` }));
    return (listed.Contents ?? []).map((o) => o.Key!).sort();
  },
};

beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  s3Client?.destroy();
  await s3?.close();
});

describe.each([local, onS3])('media quota and deletion on $name', (storage) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...storage.env(), MEDIA_QUOTA_BYTES_PER_TENANT: String(QUOTA) } });
  });
  afterAll(async () => {
    await t.close({ drop: true });
  });

  async function newTenant(): Promise<{ token: string; tenantId: string }> {
    const user = await signUp(t);
    return { token: (await logIn(t, user.email)).accessToken, tenantId: user.tenantId };
  }

  it('answers 413 MEDIA_QUOTA_EXCEEDED beyond the quota, storing nothing; usage counts what is stored', async () => {
    const alice = await newTenant();
    expect((await call(t, 'GET', '/media/usage', { token: alice.token })).body).toEqual({ usedBytes: 0, quotaBytes: QUOTA, remainingBytes: QUOTA, count: 0 });

    const first = await upload(t, { token: alice.token, kind: 'document', file: { bytes: document(6000), fileName: 'a.pdf' } });
    expect(first.status).toBe(201);
    const stored = await storage.objects(t, alice.tenantId);
    expect(stored).toHaveLength(1);

    for (const kindLast of [false, true]) {
      const over = await upload(t, { token: alice.token, kind: 'document', kindLast, file: { bytes: document(5000), fileName: 'b.pdf' } });
      expectErrorShape({ status: over.status, headers: new Headers(), body: over.body }, 413, 'MEDIA_QUOTA_EXCEEDED');
      expect(over.body.error.details).toMatchObject({ quotaBytes: QUOTA, usedBytes: 6000 });
    }
    expect(await storage.objects(t, alice.tenantId)).toEqual(stored);

    const fits = await upload(t, { token: alice.token, kind: 'document', file: { bytes: document(4000), fileName: 'c.pdf' } });
    expect(fits.status).toBe(201);
    expect((await call(t, 'GET', '/media/usage', { token: alice.token })).body).toEqual({ usedBytes: QUOTA, quotaBytes: QUOTA, remainingBytes: 0, count: 2 });

    const full = await upload(t, { token: alice.token, kind: 'document', file: { bytes: document(500), fileName: 'd.pdf' } });
    expectErrorShape({ status: full.status, headers: new Headers(), body: full.body }, 413, 'MEDIA_QUOTA_EXCEEDED');
    expect(await storage.objects(t, alice.tenantId)).toHaveLength(2);

    // Another tenant has its own quota.
    const bob = await newTenant();
    expect((await upload(t, { token: bob.token, kind: 'document', file: { bytes: document(9000), fileName: 'b.pdf' } })).status).toBe(201);
  });

  it('lets concurrent uploads pass the quota together never', async () => {
    const carol = await newTenant();
    const results = await Promise.all([1, 2, 3].map((n) =>
      upload(t, { token: carol.token, kind: 'document', file: { bytes: document(4000, n), fileName: `${n}.pdf` } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 413]);
    expect(await storage.objects(t, carol.tenantId)).toHaveLength(2);
    expect((await call(t, 'GET', '/media/usage', { token: carol.token })).body).toMatchObject({ usedBytes: 8000, count: 2 });
  });

  it("DELETE /media/:id removes the row and the object, frees the quota, and is 404 for another tenant's or an unknown id", async () => {
    const alice = await newTenant();
    const bob = await newTenant();
    const bytes = document(7000);
    const { body: media } = await upload(t, { token: alice.token, kind: 'document', file: { bytes, fileName: 'gone.pdf' } });
    const contentBefore = await fetch(`${t.baseUrl}/media/${media.id}/content`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(sha256(Buffer.from(await contentBefore.arrayBuffer()))).toBe(sha256(bytes));
    expect(await storage.objects(t, alice.tenantId)).toHaveLength(1);

    expectErrorShape(await call(t, 'DELETE', `/media/${media.id}`, { token: bob.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'DELETE', '/media/6f1c1f0e-0000-4000-8000-000000000000', { token: alice.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'DELETE', '/media/not-a-uuid', { token: alice.token }), 404, 'NOT_FOUND');
    expect((await call(t, 'DELETE', `/media/${media.id}`)).status).toBe(401);
    expect((await call(t, 'GET', `/media/${media.id}`, { token: alice.token })).status).toBe(200);
    expect((await call(t, 'GET', '/media/usage', { token: bob.token })).body).toMatchObject({ usedBytes: 0, count: 0 });

    const deleted = await call(t, 'DELETE', `/media/${media.id}`, { token: alice.token });
    expect(deleted.status).toBe(204);
    expect(await storage.objects(t, alice.tenantId)).toEqual([]);
    expectErrorShape(await call(t, 'GET', `/media/${media.id}`, { token: alice.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'GET', `/media/${media.id}/content`, { token: alice.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'DELETE', `/media/${media.id}`, { token: alice.token }), 404, 'NOT_FOUND');
    expect((await call(t, 'GET', '/media/usage', { token: alice.token })).body).toEqual({ usedBytes: 0, quotaBytes: QUOTA, remainingBytes: QUOTA, count: 0 });
    if (storage === local) expect(readdirSync(join(t.dataDir, 'media', 'tenants', alice.tenantId, 'uploads'))).toEqual([]);

    // The space is free again.
    expect((await upload(t, { token: alice.token, kind: 'document', file: { bytes: document(9000), fileName: 'again.pdf' } })).status).toBe(201);
  });
});

describe('without MEDIA_QUOTA_BYTES_PER_TENANT', () => {
  it('has no quota (usage says null) and still deletes', async () => {
    const t = await startTestApp();
    try {
      const user = await signUp(t);
      const token = (await logIn(t, user.email)).accessToken;
      const { body: media } = await upload(t, { token, kind: 'document', file: { bytes: document(3000), fileName: 'a.pdf' } });
      expect((await call(t, 'GET', '/media/usage', { token })).body).toEqual({ usedBytes: 3000, quotaBytes: null, remainingBytes: null, count: 1 });
      expect((await call(t, 'DELETE', `/media/${media.id}`, { token })).status).toBe(204);
      expect(await local.objects(t, user.tenantId)).toEqual([]);
    } finally {
      await t.close({ drop: true });
    }
  });
});

describe('quota and deletion with WhatsApp messages (sandbox)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', DOWNLOAD_MEDIA: 'true', MEDIA_DOWNLOAD_POLL_MS: '50', MEDIA_QUOTA_BYTES_PER_TENANT: String(QUOTA) } });
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('counts an upload and the message that sent it once; its object stays until both rows are deleted', async () => {
    const user = await newUser(t);
    await onboardInSandbox(t, user.token);
    const bytes = document(6000);
    const { body: uploaded } = await upload(t, { token: user.token, kind: 'document', file: { bytes, fileName: 'shared.pdf' } });
    const contact = t.app.get(SandboxService).simulator.contact(uniquePhone());
    const sent = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages`, { token: user.token, body: { mediaId: uploaded.id } });
    expect(sent.status).toBe(201);
    let listed: Json;
    await waitUntil(async () => {
      const page = await call(t, 'GET', `/chats/${contact.phoneNumber}/messages`, { token: user.token });
      listed = page.body.data?.find((m: Json) => m.id === sent.body.id)?.media;
      return Boolean(listed?.mediaId);
    }, 20_000, 'the sent message with its media');
    expect(listed.mediaId).not.toBe(uploaded.id);
    expect((await call(t, 'GET', '/media/usage', { token: user.token })).body).toMatchObject({ usedBytes: 6000, count: 1 });

    expect((await call(t, 'DELETE', `/media/${uploaded.id}`, { token: user.token })).status).toBe(204);
    expect(await local.objects(t, user.tenantId)).toHaveLength(1);
    const still = await fetch(`${t.baseUrl}/media/${listed.mediaId}/content`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(sha256(Buffer.from(await still.arrayBuffer()))).toBe(sha256(bytes));

    expect((await call(t, 'DELETE', `/media/${listed.mediaId}`, { token: user.token })).status).toBe(204);
    expect(await local.objects(t, user.tenantId)).toEqual([]);
    expect((await call(t, 'GET', '/media/usage', { token: user.token })).body).toMatchObject({ usedBytes: 0, count: 0 });
  });

  it('fails an inbound download that does not fit (nothing stored); once room is made it downloads on demand', async () => {
    const user = await newUser(t);
    const { phone } = await onboardInSandbox(t, user.token);
    const { body: filler } = await upload(t, { token: user.token, kind: 'document', file: { bytes: document(7000), fileName: 'filler.pdf' } });
    const contactPhone = uniquePhone();
    const data = document(5000, 7);
    const messageId = await t.app.get(SandboxService).simulator.contact(contactPhone).send(phone, {
      media: { kind: 'document', mimetype: 'application/pdf', data, fileName: 'big.pdf' },
    });
    let media: Json;
    await waitUntil(async () => {
      const page = await call(t, 'GET', `/chats/${contactPhone}/messages`, { token: user.token });
      media = page.body.data?.find((m: Json) => m.id === messageId)?.media;
      return media?.state === 'failed';
    }, 20_000, 'the download refused by the quota');
    expect(media).toMatchObject({ url: null });
    expect(await local.objects(t, user.tenantId)).toHaveLength(1);
    expect((await call(t, 'GET', '/media/usage', { token: user.token })).body).toMatchObject({ usedBytes: 7000, count: 1 });

    expect((await call(t, 'DELETE', `/media/${filler.id}`, { token: user.token })).status).toBe(204);
    const again = await call(t, 'POST', `/chats/${contactPhone}/messages/${messageId}/media`, { token: user.token });
    expect(again.status).toBe(200);
    expect(again.body.data.media).toMatchObject({ state: 'stored', sha256: sha256(data) });
    expect((await call(t, 'GET', '/media/usage', { token: user.token })).body).toMatchObject({ usedBytes: 5000, count: 1 });
  });
});
