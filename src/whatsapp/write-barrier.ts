/**
 * Write-behind for one socket, with the receipt still after the commit.
 *
 * Baileys handles a socket's inbound messages one at a time (its message mutex): decrypt, commit
 * the advanced Signal keys (and our journal row, inbound-journal.ts), send the receipt, emit.
 * Waiting there for each commit bounded one session at one database round trip per message and
 * left nothing for the group commits to share (bench:groups: ~340 group messages/s). Instead the
 * key store and the journal hand their writes to the socket's `WriteBarrier` and return at once
 * (the key store answers reads of a key being written from memory meanwhile), and `gateFrames`
 * lets no frame leave the socket before every write made before it has committed. So the receipt
 * that tells WhatsApp a message arrived still goes out only once its plaintext and the keys that
 * decrypted it are in the database, as before, while the writes of many messages share a commit.
 *
 * When a write fails, the barrier fails: the frames held are dropped and the socket is closed
 * (WhatsApp redelivers what got no receipt, and the next socket reads the keys from the
 * database), and the key store refuses the session's later writes still queued, so what is stored
 * stays a prefix of what the socket did. A wipe of the session's keys (logout, deletion) closes the
 * barrier the same way, so that no queued write brings a key back after the deletion. And a socket
 * with `maxUncommitted` writes not yet committed (a stalled database) waits for them before it goes
 * on (`room()`), as it did for each write before: memory stays bounded.
 */
/** What a barrier fails with when it is closed rather than failed by a write. */
export class BarrierClosed extends Error {
  constructor() {
    super("the session's keys were wiped");
    this.name = 'BarrierClosed';
  }
}

export class WriteBarrier {
  private readonly maxUncommitted: number;
  private issued = 0;
  private committed = 0;
  private readonly done = new Set<number>();
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (err: Error) => void }> = [];
  private readonly failureListeners: Array<(err: Error) => void> = [];
  private failure: Error | null = null;

  constructor(opts: { maxUncommitted?: number } = {}) {
    this.maxUncommitted = opts.maxUncommitted ?? 1_000;
  }

  /** The last write handed over so far: a frame sent now waits for every write up to it. */
  get mark(): number {
    return this.issued;
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** True when every write handed over up to `upTo` has committed. */
  isCommitted(upTo: number): boolean {
    return this.failure === null && this.committed >= upTo;
  }

  /** Hands over a write in flight; the barrier fails if it rejects. */
  track(write: Promise<unknown>): void {
    const seq = ++this.issued;
    write.then(
      () => this.complete(seq),
      (err: unknown) => this.fail(err),
    );
  }

  /** Resolves once every write handed over up to `upTo` has committed; rejects once one failed. */
  until(upTo: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.committed >= upTo) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
  }

  /** Resolves at once while fewer than `maxUncommitted` writes are uncommitted, else once all handed over so far have committed. */
  room(): Promise<void> {
    return this.issued - this.committed < this.maxUncommitted ? Promise.resolve() : this.until(this.issued);
  }

  /** Resolves once every write handed over so far has committed, or the barrier has failed. */
  drained(): Promise<void> {
    return this.until(this.issued).catch(() => undefined);
  }

  onFailure(listener: (err: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  /** Ends the barrier without a failed write (the session's keys are being wiped): it fails with `BarrierClosed`. */
  close(): void {
    this.fail(new BarrierClosed());
  }

  /** Fails the barrier (idempotent): every waiter rejects, every listener hears it once. */
  fail(cause: unknown): void {
    if (this.failure) return;
    const err = cause instanceof Error ? cause : new Error(String(cause));
    this.failure = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
    for (const listener of this.failureListeners.splice(0)) listener(err);
  }

  private complete(seq: number): void {
    if (this.failure) return;
    this.done.add(seq);
    while (this.done.delete(this.committed + 1)) this.committed++;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.upTo <= this.committed) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}

/** The part of a `ws` WebSocket the gate uses. */
export interface GatedSocket {
  send(data: unknown, optionsOrCallback?: unknown, callback?: (err?: Error) => void): void;
  terminate(): void;
}

/**
 * Holds each frame `socket` is asked to send until the writes handed to `barrier` before it have
 * committed, then sends them in order. A held frame's callback is called at once: the caller (Baileys)
 * goes on as if it had been written, as it would after a write to a slow network; our own sends wait
 * for `flushed()` before they answer, so a send is reported only once its frame has left. When the barrier
 * fails, held frames are dropped and the socket is terminated.
 */
/** A socket's gate (see `gateFrames`). */
export interface FrameGate {
  /** Resolves once every frame asked for so far has been handed to the socket; rejects if the barrier failed first. */
  flushed(): Promise<void>;
}

export function gateFrames(socket: GatedSocket, barrier: WriteBarrier): FrameGate {
  const send = socket.send.bind(socket);
  type Waiter = { resolve: () => void; reject: (err: Error) => void };
  const held: Array<{ data: unknown; options: unknown; upTo: number; waiters: Waiter[] }> = [];
  let flushing = false;
  const drop = (err: Error): void => {
    for (const frame of held.splice(0)) for (const w of frame.waiters) w.reject(err);
  };
  const flush = async (): Promise<void> => {
    flushing = true;
    try {
      while (held.length > 0) {
        await barrier.until(held[0]!.upTo);
        const { data, options, waiters } = held.shift()!;
        send(data, options, () => undefined);
        for (const w of waiters) w.resolve();
      }
    } catch (err) {
      drop(err as Error);
    } finally {
      flushing = false;
    }
  };
  barrier.onFailure((err) => {
    drop(err);
    socket.terminate();
  });
  socket.send = (data, optionsOrCallback, callback) => {
    const cb = typeof optionsOrCallback === 'function' ? (optionsOrCallback as (err?: Error) => void) : callback;
    const options = typeof optionsOrCallback === 'function' ? undefined : optionsOrCallback;
    const upTo = barrier.mark;
    if (barrier.failed) {
      cb?.(barrier.failed);
      return;
    }
    if (held.length === 0 && barrier.isCommitted(upTo)) {
      send(data, options, cb);
      return;
    }
    held.push({ data, options, upTo, waiters: [] });
    cb?.();
    if (!flushing) void flush();
  };
  return {
    flushed: () => {
      if (barrier.failed) return Promise.reject(barrier.failed);
      const last = held.at(-1);
      return last ? new Promise<void>((resolve, reject) => last.waiters.push({ resolve, reject })) : Promise.resolve();
    },
  };
}
