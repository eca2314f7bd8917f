/**
 * A pass-through that hashes (SHA-256) and counts what flows, keeps the first bytes for type
 * detection, and past a byte limit stops forwarding (the rest is still read, so the multipart
 * parser can reach the next part) and remembers that the limit was exceeded.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** file-type reads at most this many leading bytes. */
export const HEAD_BYTES = 4100;

export class MediaMeter extends Transform {
  /** Not `size`: the S3 uploader reads a body's `size` as its announced length. */
  byteCount = 0;
  exceeded = false;
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly limit: number) {
    super();
  }

  get head(): Buffer {
    return Buffer.concat(this.headChunks).subarray(0, HEAD_BYTES);
  }

  get sha256(): string {
    return this.hash.copy().digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.byteCount += chunk.length;
    if (this.headLength < HEAD_BYTES) {
      this.headChunks.push(chunk.subarray(0, HEAD_BYTES - this.headLength));
      this.headLength += Math.min(chunk.length, HEAD_BYTES - this.headLength);
    }
    if (this.byteCount > this.limit) {
      this.exceeded = true;
      done();
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }
}
