/**
 * The storage port: where media bytes live. Two adapters, local disk (default) and S3-compatible;
 * both stream both ways, so a large document never sits whole in memory.
 */
import type { Readable } from 'node:stream';

export const MEDIA_STORAGE = Symbol('MEDIA_STORAGE');

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface MediaStorage {
  readonly name: 'local' | 's3';
  /** Streams `body` to `key`; the object exists only once the promise resolves. */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  /** Streams the object, or one byte range of it. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (a session's media, when it is wiped). */
  deletePrefix(prefix: string): Promise<void>;
  /** A URL a client can fetch without us (public base or presigned), or undefined when we serve it. */
  directUrl(key: string, contentType: string): Promise<string | undefined>;
  /** At boot: removes what writes interrupted by a crash left behind (local disk: `*.part` files). */
  removeLeftovers?(): Promise<number>;
  close(): Promise<void>;
}
