/**
 * Live message writes of every session that arrive while another commits share the next
 * transaction (group commit, src/whatsapp/group-commit.ts): one BEGIN/COMMIT for many messages
 * while they flood in, and no wait when they do not. Each session's writes keep their order, and
 * their events are published after the shared commit. When the shared transaction fails, each
 * write is tried again alone, so that one bad write never fails the others; `forget` drops what
 * the failed attempt may have left in a session's caches first.
 */
import type { DomainEvents, EventTransaction } from '../events/domain-events.js';
import { GroupCommit, type CommitOutcome } from '../whatsapp/group-commit.js';

/** Writes in one transaction at most. */
const MAX_BATCH = 200;

interface Write<T> {
  sessionId: string;
  run: (t: EventTransaction) => Promise<T>;
  result?: T;
}

export class LiveWrites<T> {
  private readonly group = new GroupCommit<Write<T>>((batch) => this.commit(batch), MAX_BATCH);

  constructor(
    private readonly events: DomainEvents,
    private readonly forget: (sessionId: string) => void,
  ) {}

  /** Runs `run` in a transaction it may share; resolves with its result once that committed. */
  async write(sessionId: string, run: (t: EventTransaction) => Promise<T>): Promise<T> {
    const write: Write<T> = { sessionId, run };
    await this.group.submit(write);
    return write.result as T;
  }

  private async commit(batch: Array<Write<T>>): Promise<CommitOutcome> {
    if (batch.length > 1) {
      try {
        await this.events.transaction(async (t) => {
          for (const write of batch) write.result = await write.run(t);
        });
        return;
      } catch {
        for (const write of batch) this.forget(write.sessionId);
      }
    }
    const outcome: Array<Error | undefined> = [];
    for (const write of batch) {
      try {
        write.result = await this.events.transaction(write.run);
        outcome.push(undefined);
      } catch (err) {
        this.forget(write.sessionId);
        outcome.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return outcome;
  }
}
