/**
 * The session row's hot statements as plain SQL, without TypeORM's query builder: a login reads a
 * session and updates it three times, and building those statements (its property-name regular
 * expressions over every column) cost more CPU than sending them (docs/performance.md, "Login").
 * The texts are built from the entity's metadata once per set of columns and kept.
 */
import type { EntityMetadata } from 'typeorm';
import type { SessionEntity } from './session.entity.js';

export class SessionSql {
  private readonly updates = new Map<string, string>();
  readonly byId: string;
  readonly byIdInTenant: string;

  constructor(private readonly metadata: EntityMetadata) {
    const table = `"${metadata.tableName}"`;
    this.byId = `SELECT * FROM ${table} WHERE "id" = $1`;
    this.byIdInTenant = `SELECT * FROM ${table} WHERE "id" = $1 AND "tenant_id" = $2`;
  }

  /** `UPDATE … SET <the patch's columns> WHERE id RETURNING *`, and its parameters (the id last). */
  update(id: string, patch: Partial<SessionEntity>): { text: string; params: unknown[] } {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    const key = entries.map(([property]) => property).join(',');
    let text = this.updates.get(key);
    if (!text) {
      const sets = entries.map(([property], i) => `"${this.column(property)}" = $${i + 1}`);
      text = `UPDATE "${this.metadata.tableName}" SET ${sets.join(', ')} WHERE "id" = $${entries.length + 1} RETURNING *`;
      this.updates.set(key, text);
    }
    return { text, params: [...entries.map(([, value]) => value), id] };
  }

  /** A row as PostgreSQL returns it (every column of the entity is a plain type) to the entity. */
  toEntity(raw: Record<string, unknown>, make: () => SessionEntity): SessionEntity {
    const row = make();
    for (const column of this.metadata.columns) {
      (row as unknown as Record<string, unknown>)[column.propertyName] = raw[column.databaseName];
    }
    return row;
  }

  private column(property: string): string {
    const column = this.metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`wa_sessions has no column for "${property}"`);
    return column.databaseName;
  }
}
