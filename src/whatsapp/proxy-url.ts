/**
 * Proxy URLs as the API and WA_PROXY_URL take them (`http://`, `https://`, `socks5://`, credentials
 * allowed) and as answers and logs show them (`scheme://host:port`). No I/O, no dependencies: the
 * config and the sessions' DTOs use it too.
 */
export const PROXY_PROTOCOLS = ['http:', 'https:', 'socks5:'] as const;
const MAX_PROXY_URL = 2048;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A valid proxy URL as a URL, or the reason it is not one (a sentence for a 400). */
export function parseProxyUrl(raw: string): URL | string {
  if (raw.length > MAX_PROXY_URL) return `proxy must be at most ${MAX_PROXY_URL} characters`;
  // Lone surrogates, NUL, controls and spaces have no place in a URL (WHATWG would percent-encode some).
  if (LONE_SURROGATE.test(raw) || [...raw].some((c) => c.charCodeAt(0) <= 0x20 || c === '\u007f' || c === '\ufeff')) return 'proxy must be a URL without spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'proxy must be a URL such as socks5://user:password@host:1080';
  }
  if (!(PROXY_PROTOCOLS as readonly string[]).includes(url.protocol)) return 'proxy must be an http://, https:// or socks5:// URL';
  if (!url.hostname) return 'proxy must name a host';
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) return 'proxy must be scheme://[user:password@]host[:port] only';
  return url;
}

/** `scheme://host:port`: what answers and logs show (never the credentials). */
export function redactProxyUrl(raw: string): string {
  const url = parseProxyUrl(raw);
  if (typeof url === 'string') return '(invalid)';
  const port = url.port || defaultPort(url.protocol);
  return `${url.protocol}//${url.hostname}:${port}`;
}

function defaultPort(protocol: string): string {
  if (protocol === 'socks5:') return '1080';
  return protocol === 'https:' ? '443' : '80';
}

