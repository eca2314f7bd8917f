/**
 * Issue 30 item 6: the per-tenant media quota (MEDIA_QUOTA_BYTES_PER_TENANT, 413 beyond it with
 * nothing stored), DELETE /media/:id (tenant-scoped, the object goes from disk or S3) and
 * GET /media/usage, on local disk and on a real S3-protocol server.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, expectErrorShape, logIn, signUp } from '../support/auth-helpers.js';
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
