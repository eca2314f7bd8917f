/**
 * Per-session event sequence numbers (cluster mode): every public event (PUBLIC_EVENT_TYPES) gets
 * `seq`, the next number of its session, inside the transaction that commits it. The counter is a
 * row in PostgreSQL (`session_event_seqs`), so the numbers are consecutive and keep growing when
 * another node takes the session over; a client that sees a gap knows it missed an event.
 *
 * The row is bumped last, right before the commit, so its lock is held only for the commit and
 * never while waiting for another lock (no deadlock); it also orders the session's commits.
 * Events committed without a transaction (presence, `DomainEvents.publish`) carry no number.
 * A `session.snapshot` carries the session's last number, read before the snapshot's rows: every
 * live event after it has a higher one.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { rowsOf } from '../common/sql-rows.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import { DomainEvents, type EventSequencer } from '../events/domain-events.js';
import { PUBLIC_EVENT_TYPES, type DomainEvent, type DomainEventType } from '../events/event-map.js';

const NUMBERED: ReadonlySet<DomainEventType> = new Set(PUBLIC_EVENT_TYPES);

@Injectable()
export class SessionEventSequencer implements EventSequencer, OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.events.useSequencer(this);
  }

  async assign(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
    const bySession = new Map<string, DomainEvent[]>();
    for (const event of events) {
      if (!NUMBERED.has(event.type)) continue;
      const list = bySession.get(event.sessionId);
      if (list) list.push(event);
      else bySession.set(event.sessionId, [event]);
    }
    // Sessions in id order: two transactions numbering the same sessions lock them in one order.
    for (const sessionId of [...bySession.keys()].sort()) {
      const list = bySession.get(sessionId)!;
      const last = await nextNumbers(manager, sessionId, list.length);
      if (last === null) continue;
      list.forEach((event, i) => (event.seq = last - list.length + 1 + i));
    }
  }

  async current(tenantId: string): Promise<Map<string, number>> {
    const rows: Array<{ session_id: string; seq: string }> = await this.dataSource.query(
      `SELECT q.session_id, q.seq::text AS seq FROM session_event_seqs q JOIN wa_sessions s ON s.id = q.session_id WHERE s.tenant_id = $1`,
      [tenantId],
    );
    return new Map(rows.map((r) => [r.session_id, Number(r.seq)]));
  }
}

const RESERVE = new PreparedStatement('session_event_seqs_reserve', `
  INSERT INTO session_event_seqs (session_id, seq)
  SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM wa_sessions WHERE id = $1)
  ON CONFLICT (session_id) DO UPDATE SET seq = session_event_seqs.seq + EXCLUDED.seq
  RETURNING seq::text AS seq`);

/**
 * Reserves `count` numbers of a session: the last one, or null when the session no longer exists
 * (deleted by this very transaction).
 */
async function nextNumbers(manager: EntityManager, sessionId: string, count: number): Promise<number | null> {
  const rows = rowsOf<{ seq: string }>(await RESERVE.run(manager, [sessionId, count]));
  return rows[0] ? Number(rows[0].seq) : null;
}
