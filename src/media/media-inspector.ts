/**
 * What the bytes say about themselves: image dimensions and a JPEG thumbnail (sharp), audio and
 * video duration (music-metadata). A file these libraries cannot read is still valid media: the
 * fields stay null.
 */
import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { parseStream } from 'music-metadata';
import sharp from 'sharp';
import type { MediaKind } from '../config/app-config.js';

export interface MediaFacts {
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  thumbnail: Buffer | null;
}

/** WhatsApp's own thumbnails are 32 px wide JPEGs carried inside the message. */
const THUMBNAIL_WIDTH = 32;

const NO_FACTS: MediaFacts = { width: null, height: null, durationSeconds: null, thumbnail: null };

@Injectable()
export class MediaInspector {
  /** `open` gives a fresh stream of the stored object; called only for kinds that need it. */
  async inspect(kind: MediaKind, mime: string, size: number, open: () => Promise<Readable>): Promise<MediaFacts> {
    switch (kind) {
      case 'image':
      case 'sticker':
        return this.image(await open());
      case 'video':
      case 'audio':
      case 'voice':
        return this.timed(await open(), mime, size);
      case 'document':
        return NO_FACTS;
    }
  }

  private async image(stream: Readable): Promise<MediaFacts> {
    const input = sharp({ failOn: 'error', limitInputPixels: 100_000_000 });
    stream.pipe(input);
    try {
      const [meta, thumbnail] = await Promise.all([
        input.clone().metadata(),
        input.clone().resize({ width: THUMBNAIL_WIDTH }).jpeg({ quality: 50 }).toBuffer(),
      ]);
      const rotated = (meta.orientation ?? 1) >= 5;
      return {
        width: (rotated ? meta.height : meta.width) ?? null,
        height: (rotated ? meta.width : meta.height) ?? null,
        durationSeconds: null,
        thumbnail,
      };
    } catch {
      stream.destroy();
      return NO_FACTS;
    }
  }

  private async timed(stream: Readable, mime: string, size: number): Promise<MediaFacts> {
    try {
      const meta = await parseStream(stream, { mimeType: mime.split(';')[0], size }, { duration: true, skipCovers: true });
      const duration = meta.format.duration;
      return { ...NO_FACTS, durationSeconds: duration !== undefined && Number.isFinite(duration) ? Math.round(duration) : null };
    } catch {
      return NO_FACTS;
    } finally {
      stream.destroy();
    }
  }
}
