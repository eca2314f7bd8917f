/**
 * The HTTP adapter that POSTs one callback or subscription delivery (undici, keep-alive pool,
 * hard overall timeout). Redirects are never followed (undici's `request` does not), and at most
 * a small prefix of an error response's body is read: a receiver cannot make us buffer much.
 */
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { AttemptResult } from './delivery-policy.js';

export interface CallbackRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

const ERROR_BODY_PREVIEW = 300;
/** Bytes of an error response read at most (the preview comes from them; the rest is dropped). */
const ERROR_BODY_CAP = 4096;

export interface WebhookHttpClientOptions {
  /** Resolves hosts for new connections (the private-URL guard, src/common/url-guard.ts). */
  lookup?: LookupFunction;
}

export class WebhookHttpClient {
  private readonly agent: Agent;

  constructor(connections: number, options: WebhookHttpClientOptions = {}) {
    const connect = options.lookup ? { timeout: 10_000, lookup: options.lookup } : { timeout: 10_000 };
    this.agent = new Agent({ connections, keepAliveTimeout: 10_000, connect });
  }

  async post(req: CallbackRequest): Promise<AttemptResult> {
    try {
      const res = await request(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: AbortSignal.timeout(req.timeoutMs),
      });
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      let error: string | null = null;
      if (ok) {
        await res.body.dump();
      } else {
        const text = await readCapped(res.body, ERROR_BODY_CAP).catch(() => '');
        error = `HTTP ${res.statusCode}${text ? `: ${text.slice(0, ERROR_BODY_PREVIEW)}` : ''}`;
      }
      const retryAfter = res.headers['retry-after'];
      return { statusCode: res.statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : (retryAfter ?? null), error };
    } catch (err) {
      return { statusCode: null, error: describe(err) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Reads at most `cap` bytes of a body, then drops the connection's remainder. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= cap) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
    return [code ?? cause?.code, err.message || cause?.message].filter(Boolean).join(': ');
  }
  return String(err);
}
