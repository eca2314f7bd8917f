/**
 * Seed 002's plain WebSocket: `ws://<host>/ws/sessions?accessToken=<jwt>` (or `Authorization:
 * Bearer`, or `x-api-key` + `x-user-id`) on the HTTP port. JSON text frames, each one seed 002
 * envelope, `session.snapshot` first, then the tenant's public events from the same broadcaster as
 * Socket.io. The credential is checked before the upgrade (a bad one gets an HTTP 401 in the one
 * error shape, a foreign Origin a 403); at the token's expiry the socket is closed (4001), when its
 * credential is revoked (API key revoked, logout-all, password reset) at once (4003); a client
 * that does not read (over SLOW_CONSUMER_BYTES buffered) or misses a ping is dropped. Over a
 * realtime connection cap (per client IP and in all before authentication, per user after it) the
 * upgrade is answered 429 TOO_MANY_CONNECTIONS.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { AuthContext } from '../common/auth-context.js';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';
import { AuthenticationService, type Authenticated } from '../auth/authentication.service.js';
import { CredentialRevocations, revokes, type Revocation } from '../auth/credential-revocations.js';
import { AppError } from '../common/app-error.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import type { DomainEvent } from '../events/event-map.js';
import { SessionStore } from '../sessions/session-store.js';
import { DomainEvents } from '../events/domain-events.js';
import { ConnectionLimits, tooManyConnections } from '../limits/connection-limits.js';
import { RealtimeBroadcaster } from './realtime-broadcaster.js';
import { refuseUpgrade } from './refuse-upgrade.js';
import { snapshotEnvelopes } from './realtime-protocol.js';

export const WS_SESSIONS_PATH = '/ws/sessions';
const PING_INTERVAL_MS = 25_000;
const SLOW_CONSUMER_BYTES = 4 * 1024 * 1024;
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

interface Client {
  ws: WebSocket;
  auth: AuthContext;
  alive: boolean;
  off: () => void;
  expiry?: NodeJS.Timeout;
}

@Injectable()
export class WsSessionsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 65_536 });
  private readonly clients = new Set<Client>();
  private readonly logger: AppLogger;
  private pinger?: NodeJS.Timeout;
  private stopRevocations?: () => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authentication: AuthenticationService,
    private readonly sessions: SessionStore,
    private readonly broadcaster: RealtimeBroadcaster,
    private readonly events: DomainEvents,
    private readonly revocations: CredentialRevocations,
    private readonly limits: ConnectionLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'realtime-ws' });
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== WS_SESSIONS_PATH) return;
      this.upgrade(req, socket, head).catch((err: unknown) => {
        this.logger.error({ err }, 'WebSocket upgrade failed');
        socket.destroy();
      });
    });
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
    this.stopRevocations = this.revocations.onRevoked((revocation) => this.revoke(revocation));
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.pinger);
    this.stopRevocations?.();
    for (const client of [...this.clients]) client.ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const origin = req.headers.origin;
    const allowed = this.config.http.corsOrigins;
    if (origin && allowed !== true && !allowed.includes(origin)) {
      return refuseUpgrade(socket, AppError.forbidden(`Origin ${origin} is not allowed`));
    }
    // Counted from here until the TCP socket closes, however it closes.
    const connection = this.limits.open(this.limits.ipOf(req));
    if (!connection.ok) return refuseUpgrade(socket, tooManyConnections(connection.refusal));
    socket.once('close', connection.release);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries([...url.searchParams].filter(([k]) => k === 'accessToken' || k === 'userId'));
    let verified: Authenticated;
    try {
      verified = await this.authentication.authenticate({ headers: req.headers, query });
    } catch (err) {
      return refuseUpgrade(socket, err instanceof AppError ? err : AppError.unauthorized('Authentication failed'));
    }
    const user = this.limits.user(verified.auth.userId);
    if (!user.ok) return refuseUpgrade(socket, tooManyConnections(user.refusal));
    socket.once('close', user.release);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      void this.admit(ws, verified);
    });
  }

  /** The snapshot first; events committed while it loads are held and sent right after it. */
  private async admit(ws: WebSocket, { auth, expiresAt }: Authenticated): Promise<void> {
    let held: DomainEvent[] | null = [];
    const client: Client = {
      ws,
      auth,
      alive: true,
      off: this.broadcaster.addTenantSink(auth.tenantId, (event) => (held ? held.push(event) : this.send(client, event))),
    };
    this.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => this.drop(client));
    ws.on('error', () => this.drop(client));
    // Clients only listen here: what they send is ignored.
    ws.on('message', () => undefined);
    if (expiresAt) {
      client.expiry = setTimeout(() => ws.close(4001, 'access token expired'), Math.max(0, Math.min(expiresAt.getTime() - Date.now(), MAX_TIMER_MS)));
    }
    try {
      const seqs = await this.events.lastSeqs(auth.tenantId);
      const rows = await this.sessions.listForTenant(auth.tenantId);
      for (const envelope of snapshotEnvelopes(auth.tenantId, rows, new Date(), seqs)) this.send(client, envelope);
      const pending = held;
      held = null;
      for (const event of pending) this.send(client, event);
    } catch (err) {
      this.logger.error({ err, tenantId: auth.tenantId }, 'could not send the sessions snapshot');
      ws.close(1011, 'could not load the sessions');
    }
  }

  private send(client: Client, envelope: unknown): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > SLOW_CONSUMER_BYTES) {
      this.logger.warn({ buffered: client.ws.bufferedAmount }, 'dropping a WebSocket client that does not read its events');
      client.ws.terminate();
      return;
    }
    client.ws.send(JSON.stringify(envelope));
  }

  /** The close frame says why; the client is dropped at once, so nothing more is sent to it. */
  private revoke(revocation: Revocation): void {
    for (const client of [...this.clients]) {
      if (!revokes(revocation, client.auth)) continue;
      this.drop(client);
      client.ws.close(4003, 'credential revoked');
    }
  }

  private ping(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    clearTimeout(client.expiry);
    client.off();
  }
}
