/** Socket.io clients for the realtime specs: every event a socket receives, in order, with waits on them. */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { Json } from './auth-helpers.js';
import type { TestApp } from './test-app.js';
import { Waitable } from './waitable.js';

export interface Received {
  event: string;
  data: Json;
}

/** A socket.io-client socket that records everything it receives (and its disconnect reason). */
export class RecordingSocket extends Waitable {
  readonly received: Received[] = [];
  disconnectReason?: string;
  connectError?: Error;

  constructor(readonly socket: Socket) {
    super();
    socket.onAny((event: string, data: Json) => this.push({ event, data }));
    socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      this.wake();
    });
    socket.on('connect_error', (err) => {
      this.connectError = err;
      this.wake();
    });
  }

  private push(r: Received): void {
    this.received.push(r);
    this.wake();
  }

  /** Events named `event`, in order. */
  all(event: string): Json[] {
    return this.received.filter((r) => r.event === event).map((r) => r.data);
  }

  /** Waits for an event named `event` matching `predicate` (already received or yet to come). */
  next(event: string, predicate: (data: Json) => boolean = () => true, timeoutMs = 20_000): Promise<Json> {
    return this.until(() => this.received.find((r) => r.event === event && predicate(r.data))?.data, `"${event}"`, timeoutMs);
  }

  /** Waits for `count` events named `event` matching `predicate`. */
  async nextN(event: string, count: number, predicate: (data: Json) => boolean = () => true, timeoutMs = 20_000): Promise<Json[]> {
    return this.until(() => {
      const found = this.all(event).filter(predicate);
      return found.length >= count ? found : undefined;
    }, `${count} × "${event}"`, timeoutMs);
  }

  /** Waits until the server disconnects the socket; resolves with the reason. */
  disconnected(timeoutMs = 20_000): Promise<string> {
    return this.until(() => this.disconnectReason, 'the disconnect', timeoutMs);
  }

  /** Waits until `probe` gives something (re-checked on every event, disconnect and connect_error). */
  waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    return this.until(probe, what, timeoutMs);
  }

  close(): void {
    this.socket.disconnect();
  }

  protected describeReceived(): string {
    return `received ${JSON.stringify(this.received.map((r) => r.event))}, disconnect: ${this.disconnectReason ?? 'none'}`;
  }
}

export interface ConnectOptions {
  /** `handshake.auth` */
  auth?: Record<string, unknown>;
  /** Handshake query (e.g. `{ accessToken }`). */
  query?: Record<string, string>;
  extraHeaders?: Record<string, string>;
  transports?: Array<'websocket' | 'polling'>;
}

/** Opens a socket on namespace /sessions; never reconnects by itself. */
export function connectSocket(t: TestApp, options: ConnectOptions = {}): RecordingSocket {
  const opts: Partial<ManagerOptions & SocketOptions> = {
    reconnection: false,
    forceNew: true,
    transports: options.transports ?? ['websocket'],
    auth: options.auth,
    query: options.query,
    extraHeaders: options.extraHeaders,
  };
  return new RecordingSocket(io(`${t.baseUrl}/sessions`, opts));
}

/** Opens a socket with `handshake.auth.token` and waits for its snapshot to end (the first live-ready moment). */
export async function connectAuthenticated(t: TestApp, token: string, options: ConnectOptions = {}): Promise<RecordingSocket> {
  const socket = connectSocket(t, { ...options, auth: { token, ...options.auth } });
  await socket.next('authenticated');
  await socket.next('session.snapshot');
  return socket;
}
