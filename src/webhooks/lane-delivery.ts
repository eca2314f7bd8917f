/**
 * The pieces both outbox workers share (seed 001's callbacks in this folder, the webhook
 * subscriptions in src/webhook-subscriptions/): where their claim and completion statements run,
 * how one claimed lane (a run of consecutive rows) is sent in order, and how outcomes are written
 * in batches. Each worker keeps its own SQL, claim policy and attempt (they differ: lanes per
 * session vs per subscription and session, a retry budget vs a time limit).
 */
import type { DataSource } from 'typeorm';
import { DedicatedConnection, type SqlExecutor } from './dedicated-connection.js';

/** Outcomes finished meanwhile are written in one statement, up to this many. */
const COMPLETION_BATCH = 256;

/**
 * Where a worker claims and completes: two connections of its own on PostgreSQL, so that producers
 * filling the pool cannot starve them; the shared connection on the embedded database, which has a
 * single one (holding it would block every producer).
 */
export class WorkerConnections {
  readonly claimDb: SqlExecutor;
  readonly completeDb: SqlExecutor;
  private readonly dedicated: DedicatedConnection[] = [];

  constructor(dataSource: DataSource, ownConnections: boolean) {
    if (ownConnections) {
      const claim = new DedicatedConnection(dataSource);
      const complete = new DedicatedConnection(dataSource);
      this.dedicated.push(claim, complete);
      this.claimDb = claim;
      this.completeDb = complete;
    } else {
      this.claimDb = dataSource;
      this.completeDb = dataSource;
    }
  }

  async release(): Promise<void> {
    for (const connection of this.dedicated) await connection.release();
  }
}

/** Writes completions in batches: one statement for everything that finished while the last one ran. */
export class CompletionBatcher<C> {
  private readonly pending: Array<{ completion: C; done: (err?: unknown) => void }> = [];
  private flushing = false;

  constructor(private readonly write: (batch: C[]) => Promise<void>) {}

  /** Resolves once the completion is written; rejects if its batch failed (its rows stay leased). */
  add(completion: C): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ completion, done: (err) => (err ? reject(err as Error) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, COMPLETION_BATCH);
        try {
          await this.write(batch.map((b) => b.completion));
          for (const b of batch) b.done();
        } catch (err) {
          // The rows stay `delivering` and are retaken when their lease expires (same webhook-id).
          for (const b of batch) b.done(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

export interface LaneRun<R, C> {
  leaseMs: number;
  /** Renews the claim's lease; false when it was lost (another instance took the rows). */
  extendLease(leaseToken: string): Promise<boolean>;
  /** True when the lane must give its remaining rows back (shutdown, a time slice used up). */
  shouldStop(): boolean;
  /** One attempt; `delivered` false stops the lane (a later row never overtakes an earlier one). */
  attempt(row: R): Promise<{ completion: C; delivered: boolean }>;
  /** The completion that gives a row back unattempted. */
  released(row: R): C;
  complete(completion: C): Promise<void>;
}

/**
 * Sends one claimed lane's rows in order. At the first row not delivered — or when the lane must
 * stop, or its lease was lost — the rest go back to pending unattempted. Outcomes are written in
 * the background; this resolves once they all are.
 */
export async function deliverLane<R extends { leaseToken: string }, C>(rows: R[], run: LaneRun<R, C>): Promise<void> {
  const writes: Array<Promise<void>> = [];
  let leaseUntil = Date.now() + run.leaseMs;
  let stop = false;
  for (const row of rows) {
    if (!stop && run.shouldStop()) stop = true;
    if (!stop && Date.now() > leaseUntil - run.leaseMs / 2) {
      stop = !(await run.extendLease(row.leaseToken).catch(() => false));
      leaseUntil = Date.now() + run.leaseMs;
    }
    if (stop) {
      writes.push(run.complete(run.released(row)));
      continue;
    }
    const { completion, delivered } = await run.attempt(row);
    writes.push(run.complete(completion));
    if (!delivered) stop = true;
  }
  await Promise.all(writes);
}
