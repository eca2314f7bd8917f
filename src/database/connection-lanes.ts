/**
 * Two lanes to the connection pool, so that an HTTP request never queues behind the sessions'
 * own writes. A burst of onboardings (200 at once) keeps every connection busy with credential,
 * pre-key and status writes; with one FIFO queue, `GET /health` or `GET /sessions` waited behind
 * about 200 of them (up to 1.3 s on the 2-core machine: docs/performance.md, "Bursts").
 *
 * - Work started inside `inSessionLane()` (a session's socket, and every Baileys callback and
 *   timer that comes from it: AsyncLocalStorage follows them) holds at most `sessionSlots(max)`
 *   connections at once; the rest of its checkouts wait here, in order.
 * - Everything else (HTTP requests, the callback dispatcher, boot) goes straight to the pool, where
 *   at least `max - sessionSlots(max)` connections are never held by session work. With a single
 *   connection (the embedded database) the request still passes every session waiter but the
 *   one already in the pool's queue.
 *
 * The pool is node-postgres' own, subclassed (`LanePool`); TypeORM takes it through its `driver`
 * option (src/database/data-source-options.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

const sessionLane = new AsyncLocalStorage<true>();

/** Runs `work`, and everything it sets off, in the session lane. */
export function inSessionLane<T>(work: () => T): T {
  return sessionLane.run(true, work);
}

/** How many connections session work may hold at once: all but a fifth (at least one) of `max`. */
export function sessionSlots(max: number): number {
  return Math.max(1, max - Math.max(1, Math.ceil(max / 5)));
}

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, release: (err?: Error | boolean) => void) => void;

export interface LaneStats {
  /** Connections held by session work now. */
  sessionHeld: number;
  /** Session checkouts waiting for a slot. */
  sessionWaiting: number;
  /** Session checkouts since the pool started. */
  sessionCheckouts: number;
  /** Other checkouts (requests, the dispatcher) since the pool started. */
  otherCheckouts: number;
}

export class LanePool extends pg.Pool {
  private readonly slots: number;
  private readonly sessionClients = new Set<pg.PoolClient>();
  private readonly waiting: ConnectCallback[] = [];
  private readonly counts = { session: 0, other: 0 };
  /** Session checkouts handed to the pool that have no client yet. */
  private pendingSession = 0;

  constructor(config?: pg.PoolConfig) {
    super(config);
    this.slots = sessionSlots(this.options.max);
    this.on('release', (_err: Error | undefined, client: pg.PoolClient) => {
      if (!this.sessionClients.delete(client)) return;
      const next = this.waiting.shift();
      if (next) this.checkOut(next);
    });
  }

  get laneStats(): LaneStats {
    return { sessionHeld: this.sessionClients.size, sessionWaiting: this.waiting.length, sessionCheckouts: this.counts.session, otherCheckouts: this.counts.other };
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (!callback) {
      return new Promise((resolve, reject) => this.connect((err, client) => (err ? reject(err) : resolve(client!))));
    }
    if (!sessionLane.getStore()) {
      this.counts.other++;
      return super.connect(callback);
    }
    if (this.sessionClients.size + this.pendingSession >= this.slots) this.waiting.push(callback);
    else this.checkOut(callback);
  }

  private checkOut(callback: ConnectCallback): void {
    this.counts.session++;
    this.pendingSession++;
    super.connect((err, client, release) => {
      this.pendingSession--;
      if (client) this.sessionClients.add(client);
      else {
        // No client (a connection error): the slot is free for the next waiter.
        const next = this.waiting.shift();
        if (next) this.checkOut(next);
      }
      callback(err, client, release);
    });
  }
}

/** node-postgres as TypeORM's `driver` option, with the two-lane pool. */
export const laneDriver = { Pool: LanePool, defaults: pg.defaults };
