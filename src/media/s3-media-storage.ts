/**
 * Media on an S3-compatible store (AWS S3, Cloudflare R2, MinIO) through the AWS SDK v3. Uploads
 * stream in 5 MB parts (lib-storage); reads stream the response body.
 */
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { MediaConfig } from '../config/app-config.js';
import type { ByteRange, MediaStorage } from './media-storage.js';

type S3Settings = NonNullable<MediaConfig['s3']>;

/** Parts held in memory at once while uploading: partSize × queueSize bounds the upload's buffer. */
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export class S3MediaStorage implements MediaStorage {
  readonly name = 's3';
  private readonly client: S3Client;

  constructor(
    private readonly settings: S3Settings,
    private readonly urlTtlSeconds: number,
  ) {
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      credentials: settings.credentials,
      forcePathStyle: settings.forcePathStyle,
      // R2 and most S3-compatible servers reject the SDK's default CRC32 trailers on streamed parts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Readable, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const out = await this.client.send(
      new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
    );
    return out.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (;;) {
      const listed = await this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: prefix, MaxKeys: 1000 }));
      const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) return;
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: keys, Quiet: true } }));
      if (!listed.IsTruncated) return;
    }
  }

  async directUrl(key: string, contentType: string): Promise<string> {
    if (this.settings.publicBaseUrl) return `${this.settings.publicBaseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, ResponseContentType: contentType }),
      { expiresIn: this.urlTtlSeconds },
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
