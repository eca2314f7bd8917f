/**
 * Persistence of session rows. Every status change is written together with its domain events
 * in one transaction (DomainEvents.transaction), so callbacks commit or roll back with it.
 */
import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { DomainEvents, type EventTransaction } from '../events/domain-events.js';
import type { DomainEventType, SessionStatus } from '../events/event-map.js';
import { rowsOf } from '../common/sql-rows.js';
import { SessionEntity, TenantSettingsEntity, type SessionOrigin } from './session.entity.js';
import { SessionSql } from './session-sql.js';

export const FINAL_STATUSES: readonly SessionStatus[] = ['expired', 'logged_out', 'error'];

/** Not ended and not connected: what a session waiting for a scan can be in. */
const PENDING_STATUSES: readonly SessionStatus[] = ['init', 'qr_required', 'connecting', 'disconnected'];

function sessionLimitReached(max: number): AppError {
  return new AppError(HttpStatus.CONFLICT, 'SESSION_LIMIT_REACHED', `The tenant already has ${max} sessions (MAX_SESSIONS_PER_TENANT): delete one first`, { max });
}

export type SessionPatch = Partial<Omit<SessionEntity, 'id' | 'tenantId' | 'createdAt' | 'createdBy'>>;

@Injectable()
export class SessionStore {
  private readonly sql: SessionSql;

  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    @InjectRepository(TenantSettingsEntity) private readonly settings: Repository<TenantSettingsEntity>,
    private readonly events: DomainEvents,
  ) {
    this.sql = new SessionSql(sessions.metadata);
  }

  /**
   * Inserts a session unless its tenant already has `maxPerTenant` that are not final (expired,
   * logged out, failed); the tenant row is locked meanwhile, so concurrent creates cannot both pass.
   */
  async create(
    id: string, auth: Pick<AuthContext, 'tenantId' | 'userId'>, maxPerTenant = Infinity, origin: SessionOrigin = 'api', proxyUrl: string | null = null,
  ): Promise<SessionEntity> {
    return this.events.transaction(async (tx) => {
      if (Number.isFinite(maxPerTenant)) {
        await tx.manager.query('SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [auth.tenantId]);
        const [{ n }] = (await tx.manager.query(
          'SELECT count(*)::int AS n FROM wa_sessions WHERE tenant_id = $1 AND status <> ALL($2::text[])',
          [auth.tenantId, FINAL_STATUSES],
        )) as Array<{ n: number }>;
        if (n >= maxPerTenant) throw sessionLimitReached(maxPerTenant);
      }
      const now = new Date();
      const row = tx.manager.create(SessionEntity, {
        id, tenantId: auth.tenantId, createdBy: auth.userId, status: 'init', desiredState: 'running', origin, qrCount: 0, proxyUrl, createdAt: now, updatedAt: now,
      });
      await tx.manager.insert(SessionEntity, row);
      await tx.emit('session.created', id, { tenantId: auth.tenantId, id, status: 'init', createdAt: now.toISOString() });
      return row;
    });
  }

  /**
   * Applies `patch` (one UPDATE … RETURNING) and runs `then` (more writes, event emits) in the same
   * transaction. Without `then` the statement is alone and needs no BEGIN/COMMIT; neither does a
   * `then` that only emits the `alone` types, when nothing writes with them (DomainEvents.transaction).
   */
  async update(
    id: string,
    patch: SessionPatch,
    then?: (tx: EventTransaction, row: SessionEntity) => Promise<void>,
    alone?: readonly DomainEventType[],
  ): Promise<SessionEntity | null> {
    const { text, params } = this.sql.update(id, { ...patch, updatedAt: new Date() });
    const apply = async (manager: EntityManager): Promise<SessionEntity | null> => {
      const raw = rowsOf<Record<string, unknown>>(await manager.query(text, params))[0];
      return raw ? this.fromRaw(raw) : null;
    };
    if (!then) return apply(this.sessions.manager);
    return this.events.transaction(async (tx) => {
      const row = await apply(tx.manager);
      if (row) await then(tx, row);
      return row;
    }, alone);
  }

  private fromRaw(raw: Record<string, unknown>): SessionEntity {
    return this.sql.toEntity(raw, () => new SessionEntity());
  }

  private async first(text: string, params: unknown[]): Promise<SessionEntity | null> {
    const raw = ((await this.sessions.query(text, params)) as Array<Record<string, unknown>>)[0];
    return raw ? this.fromRaw(raw) : null;
  }

  /** Deletes the session with its credentials, keys and messages. */
  async deleteWithData(row: SessionEntity, wipe: (tx: EventTransaction) => Promise<void>): Promise<void> {
    await this.events.transaction(async (tx) => {
      await wipe(tx);
      await tx.manager.delete(SessionEntity, { id: row.id });
      await tx.emit('session.deleted', row.id, { tenantId: row.tenantId });
    });
  }

  findById(id: string): Promise<SessionEntity | null> {
    return this.first(this.sql.byId, [id]);
  }

  /** A session the caller may see: its tenant's, or any for an admin. */
  findVisible(auth: AuthContext, id: string): Promise<SessionEntity | null> {
    return auth.role === 'admin' ? this.first(this.sql.byId, [id]) : this.first(this.sql.byIdInTenant, [id, auth.tenantId]);
  }

  listVisible(auth: AuthContext): Promise<SessionEntity[]> {
    return this.sessions.find({ where: auth.role === 'admin' ? {} : { tenantId: auth.tenantId }, order: { createdAt: 'ASC' } });
  }

  /** The tenant of the oldest session that has this phone number, if any (sandbox number ownership). */
  async tenantOfPhone(phone: string): Promise<string | undefined> {
    const row = await this.sessions.findOne({ where: { phone }, order: { createdAt: 'ASC' }, select: { tenantId: true } });
    return row?.tenantId;
  }

  /** The phone numbers of the tenant's sessions (connected ones only with `connectedOnly`); one narrow query. */
  async phonesOfTenant(tenantId: string, connectedOnly: boolean): Promise<Set<string>> {
    const rows = rowsOf<{ phone: string }>(await this.sessions.query(
      `SELECT DISTINCT phone FROM wa_sessions WHERE tenant_id = $1 AND phone IS NOT NULL AND ($2::boolean IS FALSE OR status = 'connected')`,
      [tenantId, connectedOnly],
    ));
    return new Set(rows.map((r) => r.phone));
  }

  listForTenant(tenantId: string): Promise<SessionEntity[]> {
    return this.sessions.find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  /** Sessions to log in again at boot: meant to run, not ended, and already paired. */
  async findRestorable(): Promise<SessionEntity[]> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.desired_state = :running', { running: 'running' })
      .andWhere('s.status NOT IN (:...final)', { final: FINAL_STATUSES })
      .andWhere(`EXISTS (SELECT 1 FROM wa_auth_creds c WHERE c.session_id = s.id AND c.creds ? 'me')`)
      .orderBy('s.created_at', 'ASC')
      .getMany();
  }

  /** Sessions never paired and not ended: SSE onboardings (their client is gone) and API-created ones waiting for a scan. */
  async findUnpaired(): Promise<SessionEntity[]> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.status IN (:...pending)', { pending: PENDING_STATUSES })
      .andWhere(`NOT EXISTS (SELECT 1 FROM wa_auth_creds c WHERE c.session_id = s.id AND c.creds ? 'me')`)
      .orderBy('s.created_at', 'ASC')
      .getMany();
  }

  /** `manager`: inside a caller's transaction (the embedded database has one connection). */
  async downloadMedia(tenantId: string, fallback: boolean, manager?: EntityManager): Promise<boolean> {
    const repo = manager ? manager.getRepository(TenantSettingsEntity) : this.settings;
    const row = await repo.findOne({ where: { tenantId } });
    return row ? row.downloadMedia : fallback;
  }

  async setDownloadMedia(tenantId: string, enabled: boolean): Promise<void> {
    await this.settings.upsert({ tenantId, downloadMedia: enabled, updatedAt: new Date() }, ['tenantId']);
  }
}
