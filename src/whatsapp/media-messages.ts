/**
 * Media in WhatsApp messages, both ways: what an inbound message carries (to store it and to
 * download it again later), and the Baileys content that sends one of our stored files.
 */
import type { Readable } from 'node:stream';
import type { AnyMessageContent, MediaType, proto } from '@whiskeysockets/baileys';
import type { MediaKind } from '../config/app-config.js';

export interface InboundMedia {
  kind: MediaKind;
  /** Baileys' media type (HKDF info for the keys): a voice note is `audio`, a GIF `video`. */
  mediaType: MediaType;
  mime: string;
  fileName: string | null;
  caption: string | null;
  size: number | null;
  mediaKey: Buffer;
  directPath: string | null;
  /** WhatsApp's CDN URL (its host is where the blob lives); not one of our URLs. */
  url: string | null;
  /** SHA-256 of the plain bytes, hex, as the sender announced it. */
  fileSha256: string | null;
  width: number | null;
  height: number | null;
  seconds: number | null;
}

/** Wrappers whose inner message is the real one. */
function unwrap(message: proto.IMessage | null | undefined): proto.IMessage | undefined {
  let m = message ?? undefined;
  for (let depth = 0; m && depth < 4; depth++) {
    const inner = m.ephemeralMessage?.message ?? m.viewOnceMessage?.message ?? m.viewOnceMessageV2?.message
      ?? m.viewOnceMessageV2Extension?.message ?? m.documentWithCaptionMessage?.message ?? m.editedMessage?.message;
    if (!inner) return m;
    m = inner;
  }
  return m;
}

const num = (v: number | Long | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const hex = (v: Uint8Array | null | undefined): string | null => (v && v.length > 0 ? Buffer.from(v).toString('hex') : null);
interface Long { toString(): string }

/** The media of a message, or undefined when it has none (or none we can download: no media key). */
export function inboundMediaOf(message: proto.IMessage | null | undefined): InboundMedia | undefined {
  const m = unwrap(message);
  if (!m) return undefined;
  const pick = (): [MediaKind, MediaType, proto.Message.IImageMessage & proto.Message.IVideoMessage & proto.Message.IAudioMessage
    & proto.Message.IDocumentMessage & proto.Message.IStickerMessage] | undefined => {
    if (m.imageMessage) return ['image', 'image', m.imageMessage];
    if (m.videoMessage) return ['video', 'video', m.videoMessage];
    if (m.audioMessage) return [m.audioMessage.ptt ? 'voice' : 'audio', 'audio', m.audioMessage];
    if (m.documentMessage) return ['document', 'document', m.documentMessage];
    if (m.stickerMessage) return ['sticker', 'sticker', m.stickerMessage];
    return undefined;
  };
  const picked = pick();
  if (!picked) return undefined;
  const [kind, mediaType, content] = picked;
  if (!content.mediaKey || content.mediaKey.length === 0) return undefined;
  return {
    kind,
    mediaType,
    mime: content.mimetype || defaultMime(kind),
    fileName: content.fileName ?? null,
    caption: content.caption ?? null,
    size: num(content.fileLength),
    mediaKey: Buffer.from(content.mediaKey),
    directPath: content.directPath ?? null,
    url: content.url ?? null,
    fileSha256: hex(content.fileSha256),
    width: content.width ?? null,
    height: content.height ?? null,
    seconds: content.seconds ?? null,
  };
}

function defaultMime(kind: MediaKind): string {
  switch (kind) {
    case 'image': return 'image/jpeg';
    case 'video': return 'video/mp4';
    case 'audio': return 'audio/mpeg';
    case 'voice': return 'audio/ogg; codecs=opus';
    case 'sticker': return 'image/webp';
    case 'document': return 'application/octet-stream';
  }
}

export interface OutboundMedia {
  kind: MediaKind;
  mime: string;
  fileName: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  thumbnail: Buffer | null;
  /** A voice note's waveform (64 bars, 0–100). */
  waveform?: Buffer | null;
}

/** The Baileys content that sends `media` (its bytes streamed from storage) with `caption`. */
export function outboundMediaContent(media: OutboundMedia, body: Readable, caption?: string): AnyMessageContent {
  const stream = { stream: body };
  const measured = {
    ...(media.width !== null ? { width: media.width } : {}),
    ...(media.height !== null ? { height: media.height } : {}),
    ...(media.thumbnail ? { jpegThumbnail: media.thumbnail.toString('base64') } : {}),
  };
  switch (media.kind) {
    case 'image':
      return { image: stream, mimetype: media.mime, caption, ...measured };
    case 'video':
      return { video: stream, mimetype: media.mime, caption, ...(media.durationSeconds !== null ? { seconds: media.durationSeconds } : {}) };
    case 'audio':
    case 'voice':
      return {
        audio: stream,
        mimetype: media.mime,
        ptt: media.kind === 'voice',
        ...(media.kind === 'voice' && media.waveform ? { waveform: new Uint8Array(media.waveform) } : {}),
        ...(media.durationSeconds !== null ? { seconds: media.durationSeconds } : {}),
      };
    case 'document':
      return { document: stream, mimetype: media.mime, fileName: media.fileName ?? 'file', caption };
    case 'sticker':
      return { sticker: stream, mimetype: media.mime, ...measured };
  }
}
