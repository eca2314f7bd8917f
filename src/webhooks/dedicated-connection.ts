/**
 * One pooled connection held for the delivery worker (real PostgreSQL only), so that producers
 * filling the pool cannot starve the claim/complete statements. Recreated after any error.
 */
import type { DataSource, QueryRunner } from 'typeorm';

export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export class DedicatedConnection implements SqlExecutor {
  private runner: QueryRunner | null = null;

  constructor(private readonly dataSource: DataSource) {}

  async query(sql: string, parameters?: unknown[]): Promise<unknown> {
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
