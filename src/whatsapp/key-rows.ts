/**
 * The rows of a batch of Signal key writes (postgres-auth-state.ts) as two statements: one
 * multi-row upsert and one multi-row deletion, the last write of each key winning.
 */
import type { EntityManager } from 'typeorm';
import { PreparedStatement } from '../database/prepared-statement.js';

/** One key to write: its type, id and encoded value (null deletes it). */
export type KeyRow = [type: string, id: string, value: string | null];

const WRITE_KEYS = new PreparedStatement('wa_auth_keys_write', `
  INSERT INTO wa_auth_keys (session_id, type, id, value)
  SELECT s, t, i, v::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x(s, t, i, v)
  ON CONFLICT (session_id, type, id) DO UPDATE SET value = EXCLUDED.value`);
const DELETE_KEYS = new PreparedStatement('wa_auth_keys_delete', `
  DELETE FROM wa_auth_keys k USING unnest($1::uuid[], $2::text[], $3::text[]) AS x(s, t, i)
  WHERE k.session_id = x.s AND k.type = x.t AND k.id = x.i`);

interface KeyRows {
  up: { sessions: string[]; types: string[]; ids: string[]; values: string[] };
  del: { sessions: string[]; types: string[]; ids: string[] };
}

/** The writes' rows as statement arrays, the last write of each key winning. */
export function latestRows(writes: Array<{ sessionId: string; rows: KeyRow[] }>): KeyRows {
  const latest = new Map<string, { sessionId: string; row: KeyRow }>();
  for (const w of writes) {
    for (const row of w.rows) latest.set(`${w.sessionId}|${row[0]}|${row[1]}`, { sessionId: w.sessionId, row });
  }
  const rows: KeyRows = { up: { sessions: [], types: [], ids: [], values: [] }, del: { sessions: [], types: [], ids: [] } };
  for (const { sessionId, row: [type, id, value] } of latest.values()) {
    const target = value === null ? rows.del : rows.up;
    target.sessions.push(sessionId);
    target.types.push(type);
    target.ids.push(id);
    if (value !== null) rows.up.values.push(value);
  }
  return rows;
}

export async function writeKeyRows(manager: EntityManager, { up, del }: KeyRows): Promise<void> {
  if (up.ids.length > 0) await WRITE_KEYS.run(manager, [up.sessions, up.types, up.ids, up.values]);
  if (del.ids.length > 0) await DELETE_KEYS.run(manager, [del.sessions, del.types, del.ids]);
}
