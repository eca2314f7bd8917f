/** Waiting on facts that arrive over time (messages, events), without sleeping: woken on each arrival. */
export abstract class Waitable {
  private waiters: Array<() => void> = [];

  /** What was received so far, for the timeout message. */
  protected abstract describeReceived(): string;

  /** Resolves with `probe()` as soon as it is defined; rejects after `timeoutMs`. */
  protected async until<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; ${this.describeReceived()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Call on every arrival. */
  protected wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Things recorded as they arrive (a client's messages, a UI's calls), waited on without sleeping. */
export class Recording<T> extends Waitable {
  readonly items: T[] = [];

  constructor(
    private readonly describe: (items: T[]) => string = (items) => JSON.stringify(items).slice(0, 2000),
    private readonly timeoutMs = 20_000,
  ) {
    super();
  }

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** The first recorded item matching `predicate` (already recorded or yet to come). */
  next(predicate: (item: T) => boolean, what: string, timeoutMs = this.timeoutMs): Promise<T> {
    return this.until(() => this.items.find(predicate), what, timeoutMs);
  }

  protected describeReceived(): string {
    return this.describe(this.items);
  }
}
