/**
 * Group commit: writes submitted while another commit is in flight (or in the same turn of the
 * event loop) are committed together, by one `commit(items)` call (one transaction). Every caller
 * resolves only once the commit that holds its item has succeeded; a commit that throws rejects
 * every caller in it. `commit` may also refuse single items (e.g. a session whose lease was lost):
 * it returns one entry per item, an Error for each refused one, and only those callers reject.
 * Commits run one at a time, in submission order, so a later write of a row never overtakes an
 * earlier one.
 */
export type CommitOutcome = Array<Error | undefined> | void;

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitLimits<T> {
  /** At most this many items in one commit. */
  maxBatch?: number;
  /**
   * At most this much `weigh`t in one commit (an item heavier than that goes alone): the rows of
   * one statement, whose parameters node-postgres serializes in one synchronous step.
   */
  maxWeight?: number;
  weigh?: (item: T) => number;
}

export class GroupCommit<T> {
  private queue: Array<Pending<T>> = [];
  private running = false;
  private readonly maxBatch: number;
  private readonly maxWeight: number;
  private readonly weigh: (item: T) => number;

  constructor(
    private readonly commit: (items: T[]) => Promise<CommitOutcome>,
    limits: GroupCommitLimits<T> = {},
  ) {
    this.maxBatch = limits.maxBatch ?? 2_000;
    this.maxWeight = limits.maxWeight ?? Infinity;
    this.weigh = limits.weigh ?? (() => 1);
  }

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running) return;
      this.running = true;
      // One turn later: writes submitted by the same burst of work share the first commit too.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchLength());
      try {
        const outcome = await this.commit(batch.map((p) => p.item));
        batch.forEach((p, i) => {
          const refused = outcome?.[i];
          if (refused) p.reject(refused);
          else p.resolve();
        });
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.running = false;
  }

  /** How many of the queued items the next commit takes (at least one). */
  private batchLength(): number {
    let weight = 0;
    let n = 0;
    for (const { item } of this.queue) {
      if (n === this.maxBatch) break;
      weight += this.weigh(item);
      if (n > 0 && weight > this.maxWeight) break;
      n++;
    }
    return n;
  }
}
