/**
 * Link previews for texts sent with `linkPreview: true`: the first http(s) URL of the text is
 * fetched on the session's behalf (through its proxy, WhatsAppSocketFactory.proxyOf), within 5 s
 * and a size cap, behind the private-URL guard (src/common/url-guard.ts), and its title and
 * description are read from the page's Open Graph tags or `<title>`/`<meta name=description>`.
 * Any failure means no preview: the text is sent without one.
 */
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, fetch, type Dispatcher } from 'undici';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { assertPublicUrl, guardedLookup } from '../common/url-guard.js';
import { WhatsAppSocketFactory } from '../whatsapp/socket-factory.js';

export const LINK_PREVIEW_TIMEOUT_MS = 5000;
/** What is read of a page at most: the head is enough. */
export const LINK_PREVIEW_MAX_BYTES = 512 * 1024;
const MAX_REDIRECTS = 3;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/i;

export interface LinkPreview {
  url: string;
  title: string;
  description: string | null;
}

/** The first http(s) URL of a text, without trailing punctuation. */
export function firstUrlOf(text: string): string | undefined {
  const found = URL_IN_TEXT.exec(text)?.[0]?.replace(/[.,;:!?)\]}]+$/, '');
  if (!found) return undefined;
  try {
    return new URL(found).href === '' ? undefined : found;
  } catch {
    return undefined;
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/** Control characters (NUL among them: no PostgreSQL text takes it) become spaces. */
const withoutControls = (s: string): string => Array.from(s, (ch) => (ch.charCodeAt(0) < 32 || ch === '\x7f' ? ' ' : ch)).join('');

const clean = (s: string | undefined, max: number): string | null => {
  const v = s === undefined ? '' : withoutControls(decodeEntities(s)).replace(/\s+/g, ' ').trim();
  return v ? v.slice(0, max) : null;
};

/** Title and description of an HTML page (Open Graph first). */
export function previewOfHtml(html: string, url: string): LinkPreview | undefined {
  const meta = new Map<string, string>();
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    const key = /\b(?:property|name)\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1]?.toLowerCase();
    const content = /\bcontent\s*=\s*"([^"]*)"|\bcontent\s*=\s*'([^']*)'/i.exec(tag);
    if (key && content && !meta.has(key)) meta.set(key, content[1] ?? content[2] ?? '');
  }
  const title = clean(meta.get('og:title') ?? meta.get('twitter:title') ?? /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1], 255);
  if (!title) return undefined;
  const description = clean(meta.get('og:description') ?? meta.get('description') ?? meta.get('twitter:description'), 1024);
  return { url, title, description };
}

@Injectable()
export class LinkPreviewService implements OnApplicationShutdown {
  /** Direct fetches connect only to the addresses the guard allows (no DNS rebinding window). */
  private readonly direct: Dispatcher;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sockets: WhatsAppSocketFactory,
    @Inject(ROOT_LOGGER) private readonly logger: AppLogger,
  ) {
    const lookup = guardedLookup(config.allowPrivateUrls);
    this.direct = new Agent({ connect: lookup ? { lookup } : {} });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.direct.close();
  }

  /** The preview of the text's first URL, or undefined (no URL, refused, slow, too big, not HTML, no title). */
  async previewOf(sessionId: string, text: string): Promise<LinkPreview | undefined> {
    const url = firstUrlOf(text);
    if (!url) return undefined;
    try {
      const html = await this.fetchHtml(sessionId, url, AbortSignal.timeout(LINK_PREVIEW_TIMEOUT_MS));
      return html === undefined ? undefined : previewOfHtml(html, url);
    } catch (err) {
      // Never the URL (a user's text) at info level: the reason only.
      this.logger.debug({ sessionId, reason: (err as Error).name === 'TimeoutError' ? 'timeout' : (err as { code?: string }).code ?? 'fetch_failed' }, 'link preview skipped');
      return undefined;
    }
  }

  private async fetchHtml(sessionId: string, start: string, signal: AbortSignal): Promise<string | undefined> {
    const dispatcher = this.sockets.proxyOf(sessionId)?.dispatcher ?? this.direct;
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const parsed = new URL(url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
      await assertPublicUrl(parsed, this.config.allowPrivateUrls);
      const res = await fetch(parsed, { dispatcher, signal, redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml', 'user-agent': 'Mozilla/5.0 (compatible; wa-orchestrator link preview)' } });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        url = new URL(location, parsed).href;
        continue;
      }
      if (!res.ok || !/^(text\/html|application\/xhtml\+xml)/i.test(res.headers.get('content-type') ?? '')) {
        await res.body?.cancel();
        return undefined;
      }
      return readCapped(res.body, LINK_PREVIEW_MAX_BYTES);
    }
    return undefined;
  }
}

/** The body's first `max` bytes as text; the rest is never read. */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
