/**
 * The realtime connection caps on Socket.io. An Engine.IO connection (what holds a TCP socket;
 * both namespaces share it) counts against the client IP's and the total cap from its handshake
 * to its close, however it closes (a reset or a missed ping included). One over a cap is told so
 * where socket.io-client can read it: its namespace connect gets `connect_error` with
 * `err.message` and `err.data = { code: "TOO_MANY_CONNECTIONS", scope, limit }` (socket.io-client
 * then does not reconnect by itself), and the connection is closed. Such refusals are a few at a
 * time per IP (REFUSALS_IN_FLIGHT_PER_IP, each closed within REFUSAL_GRACE_MS): beyond them a
 * flood's handshakes are answered HTTP 429 at once, without a connection. The per-user cap applies
 * at authentication (src/realtime/realtime-connections.service.ts).
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { AppError } from '../common/app-error.js';
import { renderError } from '../common/error-body.js';
import { ConnectionLimits, type ConnectionRefusal, tooManyConnections } from '../limits/connection-limits.js';
import type { RealtimeNamespace, RealtimeSocket } from './realtime-protocol.js';
import { refuseUpgrade } from './refuse-upgrade.js';

type Engine = RealtimeNamespace['server']['engine'];
type EngineConnection = RealtimeSocket['conn'];

const REFUSALS_IN_FLIGHT_PER_IP = 16;
const REFUSAL_GRACE_MS = 2_000;

/** One per app: both gateways' namespaces read the refusals their shared engine recorded. */
@Injectable()
export class SocketLimits {
  private readonly ipOfHandshake = new WeakMap<IncomingMessage, string>();
  private readonly refused = new WeakMap<EngineConnection, ConnectionRefusal>();
  /** Refused connections still open, per IP. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits) {}

  /** Once per Engine.IO server (both namespaces share it). */
  installOnEngine(engine: Engine): void {
    engine.use((req: IncomingMessage & { _query?: Record<string, string> }, res: ServerResponse, next: (err?: Error) => void) => {
      // Only a handshake opens a connection; requests of an open one carry its `sid`.
      if (req._query?.sid !== undefined) return next();
      const ip = this.limits.ipOf(req);
      this.ipOfHandshake.set(req, ip);
      const refusal = this.limits.check(ip);
      if (!refusal || (this.inFlight.get(ip) ?? 0) < REFUSALS_IN_FLIGHT_PER_IP) return next();
      const err = tooManyConnections(refusal);
      if (res instanceof ServerResponse) refuseHttp(res, err);
      else refuseUpgrade(req.socket, err);
    });
    engine.on('connection', (conn: EngineConnection) => this.onConnection(conn));
  }

  /** Once per namespace: a refused connection's namespace connect gets the readable `connect_error`. */
  installOnNamespace(namespace: RealtimeNamespace): void {
    namespace.use((socket, next) => {
      const refusal = this.refused.get(socket.conn);
      if (!refusal) return next();
      next(Object.assign(new Error(refusal.message), { data: { code: 'TOO_MANY_CONNECTIONS', scope: refusal.scope, limit: refusal.limit } }));
      // Engine.IO sends what is queued (the CONNECT_ERROR, queued on the next tick) before it closes.
      setImmediate(() => socket.conn.close());
    });
  }

  private onConnection(conn: EngineConnection): void {
    const ip = this.ipOfHandshake.get(conn.request) ?? this.limits.ipOf(conn.request);
    const admission = this.limits.open(ip);
    if (admission.ok) {
      conn.once('close', admission.release);
      return;
    }
    this.refused.set(conn, admission.refusal);
    this.inFlight.set(ip, (this.inFlight.get(ip) ?? 0) + 1);
    const timer = setTimeout(() => conn.close(), REFUSAL_GRACE_MS).unref();
    conn.once('close', () => {
      clearTimeout(timer);
      const n = (this.inFlight.get(ip) ?? 1) - 1;
      if (n > 0) this.inFlight.set(ip, n);
      else this.inFlight.delete(ip);
    });
  }
}

function refuseHttp(res: ServerResponse, err: AppError): void {
  const { status, headers, body } = renderError(err, 'socket.io');
  res.writeHead(status, { ...headers, 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(body));
}
