/**
 * Per-session proxies (CONTRACT Part 3, "The send pipeline"): one `http://`, `https://` or
 * `socks5://` URL, credentials allowed, turned into the three kinds of client a session needs:
 * - `wsAgent`: Node's http.Agent for the WhatsApp WebSocket (Baileys' `agent`);
 * - `uploadAgent`: an http.Agent for media uploads (Baileys' `fetchAgent`, used with `https.request`);
 * - `dispatcher`: an undici Dispatcher for `fetch`: media downloads (Baileys' `options.dispatcher`,
 *   `downloadContentFromMessage`) and any other HTTP fetch made on the session's behalf, such as a
 *   future link-preview fetcher (`WhatsAppSocketFactory.proxyOf(sessionId)?.dispatcher`).
 * HTTP(S) proxies tunnel with CONNECT (https-proxy-agent, undici's ProxyAgent); SOCKS5 through
 * socks-proxy-agent and undici's Socks5ProxyAgent. An HTTPS proxy's certificate is checked against
 * Node's default CA store (public CAs, NODE_EXTRA_CA_CERTS) plus WA_PROXY_CA_FILE's certificates,
 * if any (`proxyCa`). Neither the URL nor its credentials reach
 * answers or logs: `redactProxyUrl` (proxy-url.ts) is what answers show, and refusals are rethrown
 * as errors of their own (`cleanError`).
 */
import type { Agent as HttpAgent, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { ProxyAgent, Socks5ProxyAgent, type Dispatcher } from 'undici';
import { redactProxyUrl } from './proxy-url.js';

/** TLS settings for the far end (the sandbox media host's CA); none outside sandbox mode. */
export interface TargetTls {
  ca?: string;
}

/** Node's default CA store (bundled public CAs, NODE_EXTRA_CA_CERTS, the system's with --use-system-ca) plus `extra` (PEM); undefined without `extra`. */
export function proxyCaList(extra: string | undefined): string[] | undefined {
  if (!extra) return undefined;
  // tls.getCACertificates (Node 22.15+) is missing from the @types/node in use.
  const defaults = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates?.('default') ?? [...tls.rootCertificates];
  return [...defaults, extra];
}

/** Why the proxy refused the last WebSocket connection, if it did. */
export interface ProxyFailureTracker {
  failure?: { at: number; message: string };
}

/** The agents and dispatcher of one session's proxy; `close()` when the session's socket is replaced. */
export class SessionProxy {
  readonly redacted: string;
  readonly wsAgent: HttpAgent;
  readonly uploadAgent: HttpAgent;
  readonly dispatcher: Dispatcher;
  private readonly tracker: ProxyFailureTracker = {};

  /** `proxyCa`: the CA certificates an HTTPS proxy's certificate may chain to (`proxyCaList`); Node's default store without it. */
  constructor(url: URL, targetTls: TargetTls = {}, proxyCa?: string[]) {
    this.redacted = redactProxyUrl(url.href);
    const proxyTls = proxyCa && url.protocol === 'https:' ? { ca: proxyCa } : undefined;
    this.wsAgent = makeAgent(url, targetTls, proxyTls, this.tracker);
    this.uploadAgent = makeAgent(url, targetTls, proxyTls, {});
    const requestTls = targetTls.ca ? { ca: targetTls.ca } : undefined;
    this.dispatcher = url.protocol === 'socks5:'
      // requestTls is read by undici's Socks5ProxyAgent though its types leave it out.
      ? new Socks5ProxyAgent(url.href, (requestTls ? { requestTls } : {}) as ConstructorParameters<typeof Socks5ProxyAgent>[1])
      : new ProxyAgent({ uri: url.href, ...(requestTls ? { requestTls } : {}), ...(proxyTls ? { proxyTls } : {}) });
  }

  /** The proxy's refusal since `since` (epoch ms), if the WebSocket's proxy connection failed. */
  failureSince(since: number): string | undefined {
    const failure = this.tracker.failure;
    return failure && failure.at >= since ? failure.message : undefined;
  }

  close(): void {
    this.wsAgent.destroy();
    this.uploadAgent.destroy();
    void this.dispatcher.close().catch(() => undefined);
  }
}

/**
 * An agent that records why the proxy refused (connection refused, SOCKS authentication, a CONNECT
 * answered other than 200) and turns a refused CONNECT into an error: https-proxy-agent would
 * hand the proxy's answer to the client as if the far end had sent it, which a WebSocket client
 * with an `unexpected-response` listener (Baileys') waits on until its connect timeout.
 */
function makeAgent(url: URL, targetTls: TargetTls, proxyTls: { ca: string[] } | undefined, tracker: ProxyFailureTracker): HttpAgent {
  const record = (message: string): void => {
    tracker.failure = { at: Date.now(), message };
  };
  const withTls = <T extends object>(opts: T): T => (targetTls.ca ? { ...opts, ca: targetTls.ca } : opts);
  if (url.protocol === 'socks5:') {
    return new (class extends SocksProxyAgent {
      override async connect(req: ClientRequest, opts: Parameters<SocksProxyAgent['connect']>[1]): Promise<Socket> {
        try {
          return await super.connect(req, withTls(opts));
        } catch (err) {
          const message = `the SOCKS5 proxy refused: ${describe(err)}`;
          record(message);
          // The socks library's errors carry its options, the proxy's password among them: never rethrown (logged) as they are.
          throw cleanError(message, err);
        }
      }
    })(url, { timeout: 10_000 });
  }
  return new (class extends HttpsProxyAgent<string> {
    override async connect(req: ClientRequest, opts: Parameters<HttpsProxyAgent<string>['connect']>[1]): Promise<Socket> {
      let status = 200;
      const onConnect = (connect: { statusCode: number }): void => {
        status = connect.statusCode;
      };
      req.once('proxyConnect', onConnect);
      let socket: Socket;
      try {
        socket = await super.connect(req, withTls(opts));
      } catch (err) {
        const message = `the HTTP proxy refused: ${describe(err)}`;
        record(message);
        throw cleanError(message, err);
      } finally {
        req.off('proxyConnect', onConnect);
      }
      if (status !== 200) {
        socket.destroy();
        const message = `the HTTP proxy answered ${status} to CONNECT${status === 407 ? ' (proxy authentication failed)' : ''}`;
        record(message);
        throw new Error(message);
      }
      return socket;
    }
  })(url.href, proxyTls);
}

/** A new error with `message` and the original's code (Baileys maps `E…` codes to 408), nothing else of it. */
function cleanError(message: string, original: unknown): Error {
  const error = new Error(message) as Error & { code?: string };
  const code = (original as { code?: unknown })?.code;
  if (typeof code === 'string') error.code = code;
  return error;
}

/** An error's code and message, without anything that could carry the proxy's credentials. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message.replace(/\/\/[^@\s/]*@/g, '//') : 'unknown error';
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
