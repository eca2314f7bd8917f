/**
 * The hot statements (one or more per inbound message, per key read or write), parsed and planned
 * by PostgreSQL once per connection instead of at every call: named prepared statements. Parsing
 * and planning the message upsert cost PostgreSQL more than running it (0.6–0.7 ms against
 * 0.25 ms a call on the 2-core machine; docs/performance.md, "Prepared statements").
 *
 * TypeORM hands `query()`'s first argument to node-postgres unchanged, and node-postgres prepares a
 * `{ name, text }` query once per connection and reuses it. `DATABASE_PREPARED_STATEMENTS=false`
 * sends the text every time, for a pooler that cannot keep prepared statements (PgBouncer before
 * 1.21, or without `max_prepared_statements`, in transaction mode).
 */
import type { EntityManager } from 'typeorm';

/** A DataSource or an EntityManager (a transaction's, when inside one). */
type Queryable = Pick<EntityManager, 'query'>;

const names = new Set<string>();
let enabled = true;

/** Set once at boot, from DATABASE_PREPARED_STATEMENTS (src/database/data-source-options.ts). */
export function usePreparedStatements(on: boolean): void {
  enabled = on;
}

export class PreparedStatement {
  private readonly config: { name: string; text: string };

  /** `name` is unique in the process: two texts under one name would fail on a connection. */
  constructor(name: string, readonly text: string) {
    if (names.has(name)) throw new Error(`Prepared statement "${name}" is declared twice`);
    names.add(name);
    this.config = { name, text };
  }

  /** Runs with `params`; the result is TypeORM's raw `query()` result (see common/sql-rows.ts). */
  run<T = unknown>(db: Queryable, params: unknown[]): Promise<T> {
    return db.query((enabled ? this.config : this.text) as unknown as string, params) as Promise<T>;
  }
}
