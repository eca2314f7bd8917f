/**
 * Any node serves any request: a REST command for a session another live node owns is forwarded
 * to that node (its NODE_URL) and its answer returned as is, so `send` still answers WhatsApp's
 * message id. Commands are the non-GET requests under `/sessions/:id/…` (and `DELETE
 * /sessions/:id`) and under `/chats/…`; `POST /sessions` goes to the least-loaded node. A `/chats`
 * command without `?sessionId=` is about the caller's only session: the request is authenticated
 * as the global guard does (AuthenticationService) and the session picked by SessionResolver, then
 * forwarded with that `sessionId` added; when that fails (bad credentials, no session, several)
 * this node's handler answers, with the single-node error. Reads stay local (every node reads the
 * same database).
 *
 * The owner comes from the lease table through a short cache (forgotten when a session moves). A
 * forwarded request carries `x-wa-forwarded-by`; a node that gets one for a session it does not
 * own answers 421, and the sender re-resolves once. The body is buffered (up to 64 MiB) so that
 * it can be sent again, or handed back to this node's own parser when the session turns out to
 * be local after all.
 */
import { Readable } from 'node:stream';
import { HttpStatus, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig, ClusterConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { renderError } from '../common/error-body.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { AuthenticationService } from '../auth/authentication.service.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import { OwnedElsewhereError } from '../sessions/session-ownership.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { LeaseRepository } from './lease-repository.js';
import { RedisBus } from './redis-bus.js';

export const FORWARDED_BY = 'x-wa-forwarded-by';
const ROUTE_CACHE_MS = 2000;
const MAX_FORWARDED_BODY = 64 * 1024 * 1024;
const FORWARD_TIMEOUT_MS = 130_000;
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const SESSION_COMMAND = new RegExp(`^/sessions/(${UUID})(?:/|$)`);
const CHAT_COMMAND = /^\/chats(?:\/|$)/;
const QUERY_SESSION = new RegExp(`[?&]sessionId=(${UUID})(?:&|$)`);
/** Any `sessionId` query parameter, valid or not (an invalid one is the local handler's 400). */
const ANY_QUERY_SESSION = /[?&]sessionId(?:=|&|$)/;
/** Request headers not passed on (hop-by-hop, or recomputed). */
const DROP_REQUEST = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'proxy-connection', FORWARDED_BY]);
const DROP_RESPONSE = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'content-encoding']);

interface Route {
  nodeId: string;
  url: string;
}

/**
 * What a request is about: a session's owner, the least-loaded node (a new session), or the
 * caller's only session (a `/chats` command that names none: resolved per caller in `route`).
 */
export type ForwardTarget = { kind: 'session'; sessionId: string } | { kind: 'new-session' } | { kind: 'implied-session' };

export function forwardTargetOf(method: string, url: string): ForwardTarget | null {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return null;
  const path = url.split('?', 1)[0]!;
  if (method === 'POST' && (path === '/sessions' || path === '/sessions/')) return { kind: 'new-session' };
  const session = SESSION_COMMAND.exec(path);
  if (session) return { kind: 'session', sessionId: session[1]!.toLowerCase() };
  if (CHAT_COMMAND.test(path)) {
    const query = QUERY_SESSION.exec(url);
    if (query) return { kind: 'session', sessionId: query[1]!.toLowerCase() };
    if (!ANY_QUERY_SESSION.test(url)) return { kind: 'implied-session' };
  }
  return null;
}

/** A target `resolve` can route: the implied session already resolved to its id. */
type RoutableTarget = Exclude<ForwardTarget, { kind: 'implied-session' }>;

/** The URL with `sessionId` added to its query: the owner then serves exactly that session. */
export function withSessionId(url: string, sessionId: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}sessionId=${sessionId}`;
}

@Injectable()
export class RequestForwarder implements OnModuleInit {
  private readonly cluster: ClusterConfig;
  private readonly logger: AppLogger;
  private readonly routes = new LRUCache<string, Route | 'none'>({ max: 10_000, ttl: ROUTE_CACHE_MS });

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly adapterHost: HttpAdapterHost,
    private readonly leases: LeaseRepository,
    private readonly bus: RedisBus,
    private readonly metrics: ClusterMetrics,
    private readonly authentication: AuthenticationService,
    private readonly resolver: SessionResolver,
  ) {
    this.cluster = config.cluster!;
    this.logger = logger.child({ module: 'cluster', nodeId: this.cluster.nodeId });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('preParsing', (request, reply, payload) => this.route(request, reply, payload));
    this.bus.subscribe((message) => {
      if (message.kind === 'moved') this.routes.delete(message.sessionId);
    });
  }

  private async route(request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable | undefined> {
    let target = forwardTargetOf(request.method, request.url);
    if (!target) return undefined;
    if (request.headers[FORWARDED_BY] !== undefined) {
      // Sent here by another node: served here unless a third node owns the session.
      if (target.kind === 'session') {
        const owner = await this.leases.ownerOf(target.sessionId);
        if (owner && owner.nodeId !== this.cluster.nodeId) this.fail(request, reply, new OwnedElsewhereError(target.sessionId));
      }
      return undefined;
    }
    let url = request.url;
    let body: Buffer | undefined;
    if (target.kind === 'implied-session') {
      body = await readBody(payload);
      const sessionId = await this.impliedSession(request, body);
      if (!sessionId) return replay(body);
      target = { kind: 'session', sessionId };
      url = withSessionId(url, sessionId);
    }
    let route = await this.resolve(target, false);
    if (!route) return body === undefined ? undefined : replay(body);
    body ??= await readBody(payload);
    for (let attempt = 0; route; attempt++) {
      let res: Response;
      try {
        res = await this.send(route, request, url, body);
      } catch (err) {
        this.forget(target);
        this.metrics.forward('unreachable');
        this.logger.warn({ err: { message: (err as Error).message }, owner: route.nodeId }, 'could not reach the node that owns a session');
        this.fail(request, reply, new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'SESSION_OWNER_UNAVAILABLE', 'The node that owns this session does not answer: try again shortly', undefined, { 'retry-after': String(Math.ceil(this.cluster.leaseTtlMs / 1000)) }));
        return undefined;
      }
      if (res.status === HttpStatus.MISDIRECTED && attempt === 0) {
        // The owner changed meanwhile: one more look at the lease table.
        this.metrics.forward('misdirected');
        await res.body?.cancel();
        this.forget(target);
        route = await this.resolve(target, true);
        continue;
      }
      this.metrics.forward('ok');
      await this.answer(reply, res);
      return undefined;
    }
    // Local after all: this node's own parser reads the buffered body.
    return replay(body);
  }

  /**
   * The caller's only session, as SessionResolver picks it for the handler, authenticated as the
   * global guard does (the body's `userId` too, for JSON bodies). Undefined when either fails: the
   * local guard or handler then gives the single-node answer (401, 404, 400 SESSION_REQUIRED).
   */
  private async impliedSession(request: FastifyRequest, body: Buffer): Promise<string | undefined> {
    try {
      // Copies: the guard removes consumed credentials from the real query and body later.
      const query = { ...((request.query ?? {}) as Record<string, unknown>) };
      const { auth } = await this.authentication.authenticate({ headers: request.headers, query, body: jsonBodyOf(request, body) });
      return (await this.resolver.resolve(auth, undefined)).id;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return undefined;
    }
  }

  /** The node to send the request to, or undefined when it is this one (or no node owns the session). */
  private async resolve(target: RoutableTarget, fresh: boolean): Promise<Route | undefined> {
    if (target.kind === 'new-session') {
      // Not cached: each new session must see the load the previous one added.
      const nodes = await this.leases.liveNodes(this.cluster.leaseTtlMs);
      const least = nodes.reduce<(typeof nodes)[number] | undefined>((best, n) => (!best || n.sessions < best.sessions ? n : best), undefined);
      return !least || least.id === this.cluster.nodeId ? undefined : { nodeId: least.id, url: least.url };
    }
    let cached = fresh ? undefined : this.routes.get(target.sessionId);
    if (cached === undefined) {
      cached = (await this.leases.ownerOf(target.sessionId)) ?? 'none';
      this.routes.set(target.sessionId, cached);
    }
    return cached === 'none' || cached.nodeId === this.cluster.nodeId ? undefined : cached;
  }

  private forget(target: RoutableTarget): void {
    if (target.kind === 'session') this.routes.delete(target.sessionId);
  }

  private send(route: Route, request: FastifyRequest, url: string, body: Buffer): Promise<Response> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || DROP_REQUEST.has(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    headers.set(FORWARDED_BY, this.cluster.nodeId);
    headers.set('x-forwarded-for', [request.headers['x-forwarded-for'], request.ip].filter(Boolean).join(', '));
    headers.set('x-request-id', request.id);
    return fetch(`${route.url}${url}`, {
      method: request.method,
      headers,
      body: body.length > 0 ? body : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
  }

  private async answer(reply: FastifyReply, res: Response): Promise<void> {
    const body = Buffer.from(await res.arrayBuffer());
    reply.hijack();
    const headers: Record<string, string | string[]> = {};
    res.headers.forEach((value, name) => {
      if (!DROP_RESPONSE.has(name)) headers[name] = value;
    });
    const cookies = res.headers.getSetCookie();
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    headers['content-length'] = String(body.length);
    reply.raw.writeHead(res.status, headers);
    reply.raw.end(body);
  }

  private fail(request: FastifyRequest, reply: FastifyReply, err: AppError): void {
    const rendered = renderError(err, request.id);
    reply.hijack();
    reply.raw.writeHead(rendered.status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': request.id, ...rendered.headers });
    reply.raw.end(JSON.stringify(rendered.body));
  }
}

/** The buffered body handed back to this node's own parser. */
function replay(body: Buffer): Readable {
  const stream = Readable.from(body.length > 0 ? [body] : []) as Readable & { receivedEncodedLength?: number };
  stream.receivedEncodedLength = body.length;
  return stream;
}

/** A JSON body as the guard would see it once parsed; undefined for other or unparsable bodies. */
function jsonBodyOf(request: FastifyRequest, body: Buffer): unknown {
  const type = request.headers['content-type'];
  if (body.length === 0 || typeof type !== 'string' || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function readBody(payload: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > MAX_FORWARDED_BODY) throw new AppError(HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
