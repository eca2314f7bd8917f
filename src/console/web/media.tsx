/**
 * A received or sent file: an image preview, or the file's name with a download button. Our own
 * `GET media/:id/content` needs the access token, so its bytes are fetched with it into a blob URL
 * (the token never goes into the page's URLs); a presigned or public URL is used as it is.
 */
import { useEffect, useState } from 'preact/hooks';
import { apiResponse } from './api.js';
import type { MessageMedia } from './chats-api.js';
import { t } from './i18n.js';

const ownApi = (url: string): boolean => new URL(url, location.href).origin === location.origin;

async function blobUrl(url: string): Promise<string> {
  const response = await apiResponse('GET', url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

function usePreview(url: string | null): string | null {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return setSrc(null);
    if (!ownApi(url)) return setSrc(url);
    let made: string | null = null;
    let live = true;
    void blobUrl(url).then((u) => (live ? setSrc((made = u)) : URL.revokeObjectURL(u))).catch(() => setSrc(null));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [url]);
  return src;
}

const ICON: Record<string, string> = { image: '🖼️', sticker: '🖼️', video: '🎬', audio: '🎵', voice: '🎤', ptt: '🎤', document: '📄' };

function size(bytes: number | null): string {
  if (bytes === null) return '';
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function MediaView({ media }: { media: MessageMedia }) {
  const visual = media.kind === 'image' || media.kind === 'sticker';
  const audible = media.kind === 'voice' || media.kind === 'ptt' || media.kind === 'audio';
  const preview = usePreview(visual || audible ? media.url : null);
  const name = media.fileName ?? t(`media.${visual ? 'image' : 'file'}`);
  const download = async () => {
    if (!media.url) return;
    const href = ownApi(media.url) ? await blobUrl(media.url) : media.url;
    const a = Object.assign(document.createElement('a'), { href, download: media.fileName ?? `${media.kind}`, rel: 'noopener' });
    a.click();
    if (href !== media.url) setTimeout(() => URL.revokeObjectURL(href), 60_000);
  };
  return (
    <div class="media" data-testid="message-media" data-kind={media.kind}>
      {preview && audible ? (
        <audio controls preload="metadata" src={preview} aria-label={t(media.kind === 'audio' ? 'kinds.audio' : 'kinds.voice')} data-testid="media-audio" />
      ) : preview ? (
        <img src={preview} alt={name} class={media.kind === 'sticker' ? 'thumb sticker' : 'thumb'} width={media.width ?? undefined} height={media.height ?? undefined} />
      ) : (
        <p><span aria-hidden="true">{ICON[media.kind] ?? '📎'}</span> {name} <span class="muted">{[media.mime, size(media.size)].filter(Boolean).join(' · ')}</span></p>
      )}
      {media.url ? (
        <button type="button" class="link" onClick={() => void download()}>{t('media.download')}</button>
      ) : (
        <p class="muted small">{t('media.unavailable')}</p>
      )}
    </div>
  );
}
