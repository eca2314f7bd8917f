/** Media on local disk under DATA_DIR/media: written to a temporary file, renamed when complete. */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, MediaStorage } from './media-storage.js';

/** The temporary name `put` writes to before its rename. */
const PARTIAL = /\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.part$/;

export class LocalMediaStorage implements MediaStorage {
  readonly name = 'local';
  private readonly root: string;
  /**
   * Partial files last written before this are a dead process's: this storage's creation, less
   * a margin for the file system's coarser clock.
   */
  private readonly leftoverBefore = Date.now() - 2000;

  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'media');
  }

  async put(key: string, body: Readable): Promise<void> {
    const target = this.pathOf(key);
    const partial = `${target}.${randomUUID()}.part`;
    await mkdir(dirname(target), { recursive: true });
    try {
      await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const stream = createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
    // Surface a missing file here (as ENOENT) rather than in the middle of a response.
    await new Promise<void>((ok, fail) => {
      stream.once('open', () => ok());
      stream.once('error', fail);
    });
    return stream;
  }

  /** Also removes the object's folder when that leaves it empty (each upload and message has its own). */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await rmdir(dirname(path)).catch(() => undefined);
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.pathOf(prefix.replace(/\/+$/, '')), { recursive: true, force: true });
  }

  /**
   * Removes the temporary files a process killed mid-write left behind (`<key>.<uuid>.part`),
   * called at boot: only files last written before this storage was made, so a write this
   * process has started meanwhile is never touched. Returns how many went.
   */
  async removeLeftovers(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.root, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names.filter((n) => PARTIAL.test(n))) {
      const path = join(this.root, name);
      const modified = await stat(path).then((st) => st.mtimeMs, () => Infinity);
      if (modified >= this.leftoverBefore) continue;
      await rm(path, { force: true });
      removed += 1;
    }
    return removed;
  }

  async directUrl(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}

  /** Keys are made by media-keys.ts from safe segments; this refuses anything escaping the root. */
  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new Error('media key escapes the storage root');
    return path;
  }
}
