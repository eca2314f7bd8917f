/** Which content each media kind accepts, judged from the bytes (file-type), not from the client. */
import type { MediaKind } from '../config/app-config.js';

export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio', 'voice', 'document', 'sticker'];

export function isMediaKind(value: unknown): value is MediaKind {
  return typeof value === 'string' && (MEDIA_KINDS as readonly string[]).includes(value);
}

const ACCEPTED: Record<Exclude<MediaKind, 'document'>, readonly string[]> = {
  image: ['image/jpeg', 'image/png', 'image/webp'],
  // Converted at upload to a 512×512 WebP (media-converter.ts).
  sticker: ['image/webp', 'image/png', 'image/jpeg'],
  video: ['video/mp4', 'video/3gpp', 'video/quicktime'],
  audio: ['audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'audio/aac', 'audio/aiff', 'audio/ogg', 'audio/ogg; codecs=opus', 'audio/opus', 'audio/amr', 'audio/wav', 'audio/flac'],
  // WhatsApp plays voice notes only as Opus in Ogg: the others are converted at upload (media-converter.ts).
  voice: ['audio/ogg; codecs=opus', 'audio/opus', 'audio/ogg', 'audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'audio/aac', 'audio/wav', 'audio/flac', 'audio/aiff', 'audio/amr'],
};

/** The canonical MIME type of a detected type (`audio/ogg; codecs=opus` is what WhatsApp sends). */
function canonical(mime: string): string {
  if (mime === 'audio/opus') return 'audio/ogg; codecs=opus';
  if (mime === 'audio/x-m4a') return 'audio/mp4';
  return mime;
}

const DECLARED_MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/i;

/**
 * The MIME type to store for bytes of the detected type declared as `kind`, or undefined when the
 * bytes do not fit the kind. Documents take anything: the detected type, else the type the client
 * declared for the part, else application/octet-stream.
 */
export function resolveMime(kind: MediaKind, detected: string | undefined, declared: string | undefined): string | undefined {
  if (kind === 'document') {
    if (detected) return canonical(detected);
    return declared && DECLARED_MIME.test(declared) ? declared.toLowerCase() : 'application/octet-stream';
  }
  if (!detected || !ACCEPTED[kind].includes(detected)) return undefined;
  return canonical(detected);
}

export function acceptedMimes(kind: MediaKind): readonly string[] | 'any' {
  return kind === 'document' ? 'any' : ACCEPTED[kind];
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'video/mp4': 'mp4', 'video/3gpp': '3gp',
  'video/quicktime': 'mov', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/aac': 'aac', 'audio/ogg': 'ogg',
  'audio/ogg; codecs=opus': 'ogg', 'audio/amr': 'amr', 'audio/wav': 'wav', 'audio/flac': 'flac', 'application/pdf': 'pdf',
};

export function extensionFor(mime: string): string {
  return EXTENSIONS[mime] ?? 'bin';
}
