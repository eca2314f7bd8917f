/**
 * Checks of a subscription's input that a DTO decorator cannot express (pure functions): the URL's
 * shape, the event names against the registry, the custom headers. Each failure is a 400 naming
 * the field; the private-address check is separate (src/common/url-guard.ts).
 */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { PUBLIC_EVENT_TYPES } from '../events/event-map.js';

export const MAX_HEADERS = 64;
export const MAX_HEADER_VALUE = 1024;
/** Event types a subscription may choose (`*`: all of them, and those added later). */
export const SUBSCRIBABLE_EVENTS: readonly string[] = PUBLIC_EVENT_TYPES;
/** Sent by POST /webhooks/:id/test whatever the subscription's filter. */
export const TEST_EVENT = 'webhook.test';

/** Headers we set ourselves or that HTTP itself governs: a subscription cannot set them. */
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive',
  'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization', 'proxy-connection',
  'webhook-id', 'webhook-timestamp', 'webhook-signature',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const VALUE = /^[\t\x20-\x7e]*$/;

function invalid(field: string, error: string, extra?: Record<string, unknown>): AppError {
  return new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', `${field}: ${error}`, [{ field, errors: [error], ...extra }]);
}

function isSpaceOrControl(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return c <= 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0x2028 || c === 0x2029 || c === 0xfeff;
}

export function checkUrl(value: string): URL {
  // The URL parser would silently drop leading/trailing controls and spaces: refuse them instead.
  if ([...value].some(isSpaceOrControl)) throw invalid('url', 'url must not contain spaces or control characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('url', 'url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('url', 'url must be an absolute http or https URL');
  if (url.username || url.password) throw invalid('url', 'url must not carry credentials (use headers)');
  return url;
}

export function checkEvents(events: string[]): string[] {
  const unique = [...new Set(events)];
  if (unique.includes('*')) {
    if (unique.length > 1) throw invalid('events', '"*" stands alone (it already means every event type)');
    return unique;
  }
  const known = new Set(SUBSCRIBABLE_EVENTS);
  const unknown = unique.filter((e) => !known.has(e));
  if (unknown.length > 0) {
    throw new AppError(
      HttpStatus.BAD_REQUEST,
      'VALIDATION_ERROR',
      `Unknown event types: ${unknown.join(', ')}. Valid ones: *, ${SUBSCRIBABLE_EVENTS.join(', ')}`,
      [{ field: 'events', errors: [`unknown event types: ${unknown.join(', ')}`], validEvents: ['*', ...SUBSCRIBABLE_EVENTS] }],
    );
  }
  return unique;
}

/** Header names are kept as given; two spellings of one name are refused. */
export function checkHeaders(headers: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) throw invalid('headers', `at most ${MAX_HEADERS} headers`);
  const seen = new Set<string>();
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) throw invalid('headers', 'a header name is 1–64 characters of the HTTP token set');
    if (RESERVED_HEADERS.has(lower) || lower.startsWith('proxy-')) throw invalid(`headers.${name}`, `${lower} is set by the server and cannot be given`);
    if (seen.has(lower)) throw invalid(`headers.${name}`, 'the same header is given twice');
    seen.add(lower);
    if (typeof value !== 'string') throw invalid(`headers.${name}`, 'a header value must be a string');
    if (value.length > MAX_HEADER_VALUE || !VALUE.test(value)) {
      throw invalid(`headers.${name}`, `a header value is up to ${MAX_HEADER_VALUE} printable ASCII characters`);
    }
    out[name] = value;
  }
  return out;
}
