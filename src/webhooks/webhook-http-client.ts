/** The HTTP adapter that POSTs one callback (undici, keep-alive pool, hard overall timeout). */
import { Agent, request } from 'undici';
import type { AttemptResult } from './delivery-policy.js';

export interface CallbackRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

const ERROR_BODY_PREVIEW = 300;

export class WebhookHttpClient {
  private readonly agent: Agent;

  constructor(connections: number) {
    this.agent = new Agent({ connections, keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });
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
        const text = await res.body.text().catch(() => '');
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

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
    return [code ?? cause?.code, err.message || cause?.message].filter(Boolean).join(': ');
  }
  return String(err);
}
