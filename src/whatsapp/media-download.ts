/**
 * Downloading (and decrypting) an inbound message's media as a stream. When WhatsApp's CDN no
 * longer has the blob (404/410) the phone is asked to upload it again (`updateMediaMessage`) and
 * the download is tried once more with the new direct path. rc14's own re-upload path never fires:
 * it tests `error.status`, while the CDN error is a Boom with `output.statusCode` (PEERS.md §4.11).
 */
import type { Readable } from 'node:stream';
import { downloadContentFromMessage, type WAMessage } from '@whiskeysockets/baileys';
import type { Dispatcher } from 'undici';
import { inboundMediaOf, type InboundMedia } from './media-messages.js';

/** `sock.updateMediaMessage`: resolves with the message carrying the re-uploaded media's path. */
export type ReuploadRequest = (message: WAMessage) => Promise<WAMessage>;

export class MediaGoneError extends Error {}

function cdnStatus(err: unknown): number | undefined {
  const e = err as { output?: { statusCode?: unknown }; status?: unknown };
  const status = e?.output?.statusCode ?? e?.status;
  return typeof status === 'number' ? status : undefined;
}

function hostOf(url: string | null): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}

/** `host`: where to fetch the direct path from (default: the host of the media's own URL). */
async function open(media: InboundMedia, dispatcher?: Dispatcher, host?: string): Promise<Readable> {
  return downloadContentFromMessage(
    { mediaKey: media.mediaKey, directPath: media.directPath ?? undefined, url: media.url ?? undefined },
    media.mediaType,
    { ...(dispatcher ? { options: { dispatcher } as unknown as RequestInit } : {}), ...(host ? { host } : {}) },
  );
}

/** The decrypted bytes of `message`'s media; re-upload requested once on 404/410. */
export async function downloadInboundMedia(
  message: WAMessage,
  reupload: ReuploadRequest,
  dispatcher?: Dispatcher,
): Promise<{ media: InboundMedia; body: Readable; reuploaded: boolean }> {
  const media = inboundMediaOf(message.message);
  if (!media) throw new MediaGoneError('the message has no downloadable media');
  try {
    return { media, body: await open(media, dispatcher), reuploaded: false };
  } catch (err) {
    const status = cdnStatus(err);
    if (status !== 404 && status !== 410) throw err;
  }
  const refreshed = inboundMediaOf((await reupload(message)).message);
  if (!refreshed) throw new MediaGoneError('the phone did not re-upload the media');
  // Baileys builds the new URL from its cached media host, the default one until it fetched a
  // media_conn: the host the message came from is the one known to serve it.
  return { media: refreshed, body: await open(refreshed, dispatcher, hostOf(media.url) ?? hostOf(refreshed.url)), reuploaded: true };
}
