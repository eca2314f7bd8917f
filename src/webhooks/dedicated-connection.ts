/**
 * One pooled connection held for the delivery worker (real PostgreSQL only), so that producers
 * filling the pool cannot starve the claim/complete statements. Recreated after any error.
 * Statements run one at a time on it (a connection runs one query at a time anyway; queueing
 * them here rather than inside `pg` keeps to its supported use).
 */
import type { DataSource, QueryRunner } from 'typeorm';

export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export class DedicatedConnection implements SqlExecutor {
  private runner: QueryRunner | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {}

  query(sql: string, parameters?: unknown[]): Promise<unknown> {
    const result = this.tail.catch(() => undefined).then(() => this.run(sql, parameters));
    this.tail = result;
    return result;
  }

  private async run(sql: string, parameters?: unknown[]): Promise<unknown> {
    this.runner ??= this.dataSource.createQueryRunner('master');
    try {
      return (await this.runner.query(sql, parameters)) as unknown;
    } catch (err) {
      await this.release();
      throw err;
    }
  }

  async release(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    if (runner && !runner.isReleased) await runner.release().catch(() => undefined);
  }
}
