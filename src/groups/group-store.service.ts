/**
 * The groups of every session: Postgres rows, a memory cache in front of them (what Baileys reads
 * before every group send), and the group events, emitted after each change is committed. Fed by
 * the session's connection (notifications, the refresh at connect) and by the REST commands.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainEvents, type EventTransaction } from '../events/domain-events.js';
import type { SessionContext } from '../whatsapp/conversation-types.js';
import type { GroupSink, GroupStorePort, WaGroup, WaGroupChange, WaGroupParticipant, WaParticipantsChange } from '../whatsapp/group-types.js';
import { GroupEntity } from './group.entity.js';
import { toGroupSummary, toParticipantSummary } from './group-mapper.js';

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

@Injectable()
export class GroupStore implements GroupStorePort {
  /** sessionId → group jid → group; filled on first read and kept current by every write. */
  private readonly cache = new Map<string, Map<string, WaGroup>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: DomainEvents,
  ) {}

  forSession(ctx: SessionContext): GroupSink {
    return {
      upsert: (groups) => this.upsert(ctx, groups),
      update: (changes) => this.update(ctx, changes),
      participants: (change) => this.participants(ctx, change),
      reconcile: (present, askedAt, own) => this.reconcile(ctx, present, askedAt, own),
      cached: (jid) => this.get(ctx.sessionId, jid),
    };
  }

  async wipe(manager: EntityManager, sessionId: string): Promise<void> {
    await manager.delete(GroupEntity, { sessionId });
    this.cache.delete(sessionId);
  }

  /** The group from memory, else Postgres; undefined when the session is not known to be in it. */
  async get(sessionId: string, jid: string): Promise<WaGroup | undefined> {
    const hit = this.cache.get(sessionId)?.get(jid);
    if (hit) return hit;
    const row = await this.dataSource.getRepository(GroupEntity).findOneBy({ sessionId, jid });
    if (!row) return undefined;
    const group = fromRow(row);
    this.remember(sessionId, group);
    return group;
  }

  /** A page of the session's groups, by jid. */
  async page(sessionId: string, after: string | null, limit: number): Promise<WaGroup[]> {
    const qb = this.dataSource.getRepository(GroupEntity).createQueryBuilder('g').where('g.session_id = :sessionId', { sessionId });
    if (after !== null) qb.andWhere('g.jid > :after', { after });
    const rows = await qb.orderBy('g.jid', 'ASC').limit(limit).getMany();
    return rows.map(fromRow);
  }

  async upsert(ctx: SessionContext, groups: WaGroup[]): Promise<void> {
    if (groups.length === 0) return;
    await this.events.transaction(async (tx) => {
      for (const g of groups) await this.write(tx, ctx, g);
      await tx.emit('session.groups.upsert', ctx.sessionId, { tenantId: ctx.tenantId, groupsCount: groups.length, groups: groups.map(toGroupSummary) });
    });
    for (const g of groups) this.remember(ctx.sessionId, g);
  }

  async update(ctx: SessionContext, changes: WaGroupChange[]): Promise<void> {
    const changed: WaGroup[] = [];
    await this.events.transaction(async (tx) => {
      for (const c of changes) {
        const current = await this.get(ctx.sessionId, c.jid);
        if (!current) continue;
        const next: WaGroup = {
          ...current,
          ...(c.subject !== undefined ? { subject: c.subject } : {}),
          ...(c.description !== undefined ? { description: c.description } : {}),
          ...(c.announce !== undefined ? { announce: c.announce } : {}),
          ...(c.restrict !== undefined ? { restrict: c.restrict } : {}),
          ...(c.ephemeral !== undefined ? { ephemeral: c.ephemeral } : {}),
        };
        await this.write(tx, ctx, next);
        changed.push(next);
      }
      const updates = changes.map(({ at, ...rest }) => ({ ...rest, at: iso(at) }));
      await tx.emit('session.groups.update', ctx.sessionId, { tenantId: ctx.tenantId, updatesCount: updates.length, updates });
    });
    for (const g of changed) this.remember(ctx.sessionId, g);
  }

  /**
   * Applies a participant change to the stored list (no WhatsApp query): the next send reads the
   * new list. The account itself leaving or removed: the group is forgotten.
   */
  async participants(ctx: SessionContext, change: WaParticipantsChange): Promise<void> {
    const current = await this.get(ctx.sessionId, change.groupJid);
    const gone = change.includesMe && (change.action === 'remove' || change.action === 'leave');
    let next: WaGroup | undefined;
    if (current && !gone) next = applyParticipants(current, change);
    await this.events.transaction(async (tx) => {
      if (gone) await tx.manager.delete(GroupEntity, { sessionId: ctx.sessionId, jid: change.groupJid });
      else if (next) await this.write(tx, ctx, next);
      await tx.emit('session.groups.participants', ctx.sessionId, {
        tenantId: ctx.tenantId, groupJid: change.groupJid, action: change.action, participants: change.participants.map(toParticipantSummary), actorJid: change.actorJid, at: iso(change.at),
      });
    });
    if (gone) this.cache.get(ctx.sessionId)?.delete(change.groupJid);
    else if (next) this.remember(ctx.sessionId, next);
  }

  /**
   * The refresh at connect answered: each stored group WhatsApp no longer lists (the account left or
   * was removed while offline, and that notification never came) is forgotten as a live removal is,
   * with the same `session.groups.participants` event (`remove`, the account, no actor). A group
   * written since the question was asked (joined or created meanwhile) is kept.
   */
  async reconcile(ctx: SessionContext, present: string[], askedAt: Date, own: readonly string[]): Promise<void> {
    const stored = await this.dataSource.getRepository(GroupEntity).find({ select: { jid: true, updatedAt: true }, where: { sessionId: ctx.sessionId } });
    const at = Math.floor(Date.now() / 1000);
    for (const jid of goneGroups(stored, present, askedAt)) {
      const me = ownParticipant(await this.get(ctx.sessionId, jid), own);
      await this.participants(ctx, { groupJid: jid, action: 'remove', participants: [me], actorJid: null, at, includesMe: true });
    }
  }

  /** Stores a group as WhatsApp answered a command, without an event (its notification brings one). */
  async save(ctx: SessionContext, g: WaGroup): Promise<void> {
    await this.events.transaction(async (tx) => this.write(tx, ctx, g));
    this.remember(ctx.sessionId, g);
  }

  /** Forgets a group the account left (REST leave), without an event: WhatsApp's notification brings it. */
  async forget(sessionId: string, jid: string): Promise<void> {
    await this.dataSource.getRepository(GroupEntity).delete({ sessionId, jid });
    this.cache.get(sessionId)?.delete(jid);
  }

  private async write(tx: EventTransaction, ctx: SessionContext, g: WaGroup): Promise<void> {
    await tx.manager.upsert(GroupEntity, {
      sessionId: ctx.sessionId, jid: g.jid, tenantId: ctx.tenantId, subject: g.subject, description: g.description, owner: g.owner,
      createdAt: g.createdAt === null ? null : new Date(g.createdAt * 1000), size: g.size, announce: g.announce, restrict: g.restrict,
      ephemeral: g.ephemeral, addressingMode: g.addressingMode, iAmAdmin: g.iAmAdmin, participants: g.participants, updatedAt: new Date(),
    }, ['sessionId', 'jid']);
  }

  private remember(sessionId: string, g: WaGroup): void {
    let groups = this.cache.get(sessionId);
    if (!groups) {
      groups = new Map();
      this.cache.set(sessionId, groups);
    }
    groups.set(g.jid, g);
  }
}

const sameParticipant = (a: WaGroupParticipant, b: WaGroupParticipant): boolean =>
  a.jid === b.jid || (a.pnJid !== null && a.pnJid === b.pnJid) || (a.lidJid !== null && a.lidJid === b.lidJid);

export function applyParticipants(g: WaGroup, change: WaParticipantsChange): WaGroup {
  let list = g.participants;
  const touched = (p: WaGroupParticipant) => change.participants.some((c) => sameParticipant(p, c));
  switch (change.action) {
    case 'add':
    case 'join':
      list = [...list.filter((p) => !touched(p)), ...change.participants.map((p) => ({ ...p, admin: null }))];
      break;
    case 'remove':
    case 'leave':
      list = list.filter((p) => !touched(p));
      break;
    case 'promote':
    case 'demote':
      list = list.map((p) => (touched(p) ? { ...p, admin: change.action === 'promote' ? (p.admin === 'superadmin' ? 'superadmin' : 'admin') : null } : p));
      break;
  }
  const iAmAdmin = change.includesMe && (change.action === 'promote' || change.action === 'demote') ? change.action === 'promote' : g.iAmAdmin;
  return { ...g, participants: list, size: list.length, iAmAdmin };
}

/** The stored groups WhatsApp's list of the account's groups (asked at `askedAt`) leaves out, unless written since. */
export function goneGroups(stored: Array<{ jid: string; updatedAt: Date }>, present: string[], askedAt: Date): string[] {
  const listed = new Set(present);
  return stored.filter((g) => !listed.has(g.jid) && g.updatedAt.getTime() < askedAt.getTime()).map((g) => g.jid);
}

/** The account as a participant of the group (its stored entry, as a notification names it: no role). */
export function ownParticipant(g: WaGroup | undefined, own: readonly string[]): WaGroupParticipant {
  const stored = g?.participants.find((p) => [p.jid, p.pnJid, p.lidJid].some((j) => j !== null && own.includes(j)));
  if (stored) return { ...stored, admin: null };
  const pnJid = own.find((j) => j.endsWith('@s.whatsapp.net')) ?? null;
  const lidJid = own.find((j) => j.endsWith('@lid')) ?? null;
  const jid = (g?.addressingMode === 'lid' ? (lidJid ?? pnJid) : (pnJid ?? lidJid)) ?? own[0] ?? '';
  return { jid, pnJid, lidJid, admin: null };
}

function fromRow(r: GroupEntity): WaGroup {
  return {
    jid: r.jid, subject: r.subject, description: r.description, owner: r.owner, createdAt: r.createdAt ? Math.floor(r.createdAt.getTime() / 1000) : null,
    size: r.size, announce: r.announce, restrict: r.restrict, ephemeral: r.ephemeral, addressingMode: r.addressingMode, iAmAdmin: r.iAmAdmin, participants: r.participants,
  };
}
