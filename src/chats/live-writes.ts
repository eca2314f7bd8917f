/**
 * Live message writes of every session that arrive while another commits share the next
 * transaction (group commit, src/whatsapp/group-commit.ts): one BEGIN/COMMIT and one statement for
 * the rows of many messages while they flood in, and no wait when they do not.
 *
 * A write has two steps around its rows: `prepare` (e.g. the chats the messages go to) returns the
 * rows; `finish` (events, reactions, media) gets what was written for each. In a shared
 * transaction the writes of distinct sessions are prepared in submission order, the rows of all
 * are written by one `writeRows` call, and each is finished in submission order; a session's second
 * write in the batch starts a new run of that, after its first has finished. So each session's
 * writes happen as if alone and in order, and their events are published after the shared commit.
 * When the shared
 * transaction fails, each write is tried again alone, so that one bad write never fails the
 * others; `forget` drops what the failed attempt may have left in a session's caches first.
 */
import type { DomainEvents, EventTransaction } from '../events/domain-events.js';
import { GroupCommit, type CommitOutcome } from '../whatsapp/group-commit.js';

/** Writes in one transaction at most. */
const MAX_BATCH = 200;

export interface LiveWrite<Row, Written, T> {
  sessionId: string;
  prepare: (t: EventTransaction) => Promise<Row[]>;
  /** `written[i]` is what `writeRows` answered for the i-th row `prepare` returned. */
  finish: (t: EventTransaction, written: Written[]) => Promise<T>;
}

interface Queued<Row, Written> {
  write: LiveWrite<Row, Written, unknown>;
  result?: unknown;
}

export class LiveWrites<Row, Written> {
  private readonly group = new GroupCommit<Queued<Row, Written>>((batch) => this.commit(batch), { maxBatch: MAX_BATCH });

  /** `writeRows` answers one entry per row, in order. */
  constructor(
    private readonly events: DomainEvents,
    private readonly writeRows: (t: EventTransaction, rows: Row[]) => Promise<Written[]>,
    private readonly forget: (sessionId: string) => void,
  ) {}

  /** Runs `write` in a transaction it may share; resolves with its result once that committed. */
  async write<T>(write: LiveWrite<Row, Written, T>): Promise<T> {
    const queued: Queued<Row, Written> = { write };
    await this.group.submit(queued);
    return queued.result as T;
  }

  /** Runs `write` alone in the caller's transaction. */
  async runIn<T>(t: EventTransaction, write: LiveWrite<Row, Written, T>): Promise<T> {
    return write.finish(t, await this.writeRows(t, await write.prepare(t)));
  }

  private async commit(batch: Array<Queued<Row, Written>>): Promise<CommitOutcome> {
    if (batch.length > 1) {
      try {
        await this.events.transaction(async (t) => {
          for (const segment of segments(batch)) await this.runShared(t, segment);
        });
        return;
      } catch {
        for (const { write } of batch) this.forget(write.sessionId);
      }
    }
    const outcome: Array<Error | undefined> = [];
    for (const queued of batch) {
      try {
        queued.result = await this.events.transaction((t) => this.runIn(t, queued.write));
        outcome.push(undefined);
      } catch (err) {
        this.forget(queued.write.sessionId);
        outcome.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return outcome;
  }

  /** Writes of distinct sessions: all prepared, their rows written at once, all finished. */
  private async runShared(t: EventTransaction, segment: Array<Queued<Row, Written>>): Promise<void> {
    const rows: Row[][] = [];
    for (const { write } of segment) rows.push(await write.prepare(t));
    const written = await this.writeRows(t, rows.flat());
    let offset = 0;
    for (const [i, queued] of segment.entries()) {
      queued.result = await queued.write.finish(t, written.slice(offset, offset + rows[i]!.length));
      offset += rows[i]!.length;
    }
  }
}

/**
 * The batch cut, in order, into runs with one write per session at most: a session's next write
 * is prepared only after its previous one finished, as if alone (its `prepare` may change what the
 * previous one's rows and `finish` refer to, e.g. merge the chat they go to).
 */
function segments<Q extends { write: { sessionId: string } }>(batch: Q[]): Q[][] {
  const out: Q[][] = [];
  let current: Q[] = [];
  const sessions = new Set<string>();
  for (const queued of batch) {
    if (sessions.has(queued.write.sessionId)) {
      out.push(current);
      current = [];
      sessions.clear();
    }
    current.push(queued);
    sessions.add(queued.write.sessionId);
  }
  if (current.length > 0) out.push(current);
  return out;
}
