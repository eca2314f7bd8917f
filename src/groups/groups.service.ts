/**
 * What the /groups API asks of a session: reads from the group store (WhatsApp only when a group is
 * not stored yet), changes through the live socket (409 when it is not connected, 504 when WhatsApp
 * does not answer in time, 403 NOT_GROUP_ADMIN when WhatsApp refuses for want of rights). After a
 * change the group is read again from WhatsApp and stored without an event: the group events come
 * from WhatsApp's own notifications, which reach every member device, this one included.
 */
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { SessionNotConnectedError } from '../sessions/session-errors.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import type { SessionContext } from '../whatsapp/conversation-types.js';
import { GroupRefusedError, type GroupCommands } from '../whatsapp/group-commands.js';
import type { WaGroup } from '../whatsapp/group-types.js';
import { TimeoutError } from '../whatsapp/timeout.js';
import { toGroupSummary } from './group-mapper.js';
import { GroupStore } from './group-store.service.js';
import type {
  CreateGroupDto, GroupDto, GroupPageDto, GroupWithParticipantsDto, InviteDto, JoinedDto, PageQueryDto, ParticipantResultsDto, ParticipantsChangeDto, UpdateGroupDto,
} from './groups.dto.js';

interface Target {
  session: SessionEntity;
  groups: GroupCommands;
  ctx: SessionContext;
}

const inviteOf = (code: string): InviteDto => ({ code, url: `https://chat.whatsapp.com/${code}` });
const withoutParticipants = (g: WaGroup): GroupDto => {
  const { participants: _, ...rest } = toGroupSummary(g);
  return rest;
};

/** `5491123456789` / `+54 9 11...` → a PN jid; jids as given. */
export function participantJid(p: string): string {
  const v = p.trim();
  return v.includes('@') ? v : `${v.replace(/^\+/, '')}@s.whatsapp.net`;
}

@Injectable()
export class GroupsService {
  constructor(
    private readonly sessions: SessionResolver,
    private readonly registry: SessionRegistry,
    private readonly store: GroupStore,
  ) {}

  async list(auth: AuthContext, q: PageQueryDto): Promise<GroupPageDto> {
    const session = await this.sessions.resolve(auth, q.sessionId);
    const after = decodeCursor(q.cursor, ['s']);
    const limit = q.limit ?? 50;
    const rows = await this.store.page(session.id, after ? String(after[0]) : null, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { data: page.map(withoutParticipants), nextCursor: rows.length > limit && last ? encodeCursor([last.jid]) : null };
  }

  async get(auth: AuthContext, sessionId: string | undefined, jid: string): Promise<GroupWithParticipantsDto> {
    const session = await this.sessions.resolve(auth, sessionId);
    const stored = await this.store.get(session.id, jid);
    if (stored) return toGroupSummary(stored);
    // Not stored (yet): WhatsApp knows whether the account is in it.
    const live = this.registry.get(session.id);
    if (!live?.isConnected) throw AppError.notFound('No such group in this session');
    const t = this.targetOf(session);
    const group = await this.call(() => t.groups.metadata(jid), 'read');
    await this.store.upsert(t.ctx, [group]);
    return toGroupSummary(group);
  }

  async create(auth: AuthContext, sessionId: string | undefined, body: CreateGroupDto): Promise<GroupWithParticipantsDto> {
    const t = this.targetOf(await this.sessions.resolve(auth, sessionId));
    const group = await this.call(() => t.groups.create(body.subject.trim(), body.participants.map(participantJid)), 'group');
    await this.store.save(t.ctx, group);
    return toGroupSummary(group);
  }

  async update(auth: AuthContext, sessionId: string | undefined, jid: string, body: UpdateGroupDto): Promise<GroupWithParticipantsDto> {
    const given = ['subject', 'description', 'announce', 'restrict', 'ephemeral'].filter((k) => (body as Record<string, unknown>)[k] !== undefined);
    if (given.length === 0) throw AppError.badRequest('Give at least one of subject, description, announce, restrict, ephemeral', [{ field: 'body', errors: ['empty change'] }]);
    const t = this.targetOf(await this.sessions.resolve(auth, sessionId));
    await this.member(t, jid);
    await this.call(() => t.groups.update(jid, { ...body, ...(body.subject !== undefined ? { subject: body.subject.trim() } : {}) }), 'group');
    return toGroupSummary(await this.refresh(t, jid));
  }

  async participants(auth: AuthContext, sessionId: string | undefined, jid: string, body: ParticipantsChangeDto): Promise<ParticipantResultsDto> {
    const t = this.targetOf(await this.sessions.resolve(auth, sessionId));
    await this.member(t, jid);
    const results = await this.call(() => t.groups.participants(jid, body.action, body.participants.map(participantJid)), 'group');
    await this.refresh(t, jid);
    return { data: results.map((r) => ({ jid: r.jid, phone: /^(\d+)@s\.whatsapp\.net$/.exec(r.jid)?.[1] ?? null, status: r.status })) };
  }

  async leave(auth: AuthContext, sessionId: string | undefined, jid: string): Promise<void> {
    const t = this.targetOf(await this.sessions.resolve(auth, sessionId));
    await this.member(t, jid);
    await this.call(() => t.groups.leave(jid), 'group');
    await this.store.forget(t.session.id, jid);
  }

  async invite(auth: AuthContext, sessionId: string | undefined, jid: string, revoke: boolean): Promise<InviteDto> {
    const t = this.targetOf(await this.sessions.resolve(auth, sessionId));
    await this.member(t, jid);
    return inviteOf(await this.call(() => (revoke ? t.groups.revokeInvite(jid) : t.groups.inviteCode(jid)), 'group'));
  }

  async inviteInfo(auth: AuthContext, sessionId: string | undefined, code: string): Promise<GroupWithParticipantsDto> {
    const t = this.targetOf(await this.sessions.resolve(auth, sessionId));
    return toGroupSummary(await this.call(() => t.groups.inviteInfo(code), 'invite code'));
  }

  async join(auth: AuthContext, sessionId: string | undefined, code: string): Promise<JoinedDto> {
    const t = this.targetOf(await this.sessions.resolve(auth, sessionId));
    const jid = await this.call(() => t.groups.join(code), 'invite code');
    // WhatsApp sends no group record on a join (only the participants notification): read it now.
    const group = await t.groups.metadata(jid).catch(() => undefined);
    if (group) await this.store.upsert(t.ctx, [group]);
    return { jid };
  }

  /** 404 unless the account is in the group (the store knows, else WhatsApp says). */
  private async member(t: Target, jid: string): Promise<void> {
    if (await this.store.get(t.session.id, jid)) return;
    try {
      await this.store.save(t.ctx, await t.groups.metadata(jid));
    } catch (err) {
      if (err instanceof GroupRefusedError && [401, 403, 404].includes(err.code)) throw AppError.notFound('No such group in this session');
      return this.call(() => Promise.reject(err), 'group');
    }
  }

  /** The group as WhatsApp has it now, stored (without an event: its notification brings one). */
  private async refresh(t: Target, jid: string): Promise<WaGroup> {
    const group = await this.call(() => t.groups.metadata(jid), 'group');
    await this.store.save(t.ctx, group);
    return group;
  }

  private targetOf(session: SessionEntity): Target {
    const live = this.registry.get(session.id);
    if (!live?.isConnected) throw notConnected(live?.status ?? session.status);
    try {
      return { session, groups: live.groupCommands, ctx: { sessionId: session.id, tenantId: session.tenantId, sessionPhone: () => live.ownPhone } };
    } catch (err) {
      if (err instanceof SessionNotConnectedError) throw notConnected(err.status);
      throw err;
    }
  }

  /** `read`: a metadata read, which WhatsApp refuses (403) to a non-member: 404. */
  private async call<T>(fn: () => Promise<T>, what: 'group' | 'read' | 'invite code'): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SessionNotConnectedError) throw notConnected(err.status);
      if (err instanceof TimeoutError) throw new AppError(HttpStatus.GATEWAY_TIMEOUT, 'GATEWAY_TIMEOUT', 'WhatsApp did not answer in time');
      if (err instanceof GroupRefusedError) {
        if (err.code === 403 && what === 'group') throw new AppError(HttpStatus.FORBIDDEN, 'NOT_GROUP_ADMIN', 'WhatsApp refused: you are not an admin of this group (or not allowed to do this in it)');
        if (err.code === 403 || err.code === 404 || err.code === 410 || err.code === 406) throw AppError.notFound(what === 'invite code' ? 'No such invite code (unknown, revoked or expired)' : 'No such group in this session');
        if (err.code === 400) throw AppError.badRequest('WhatsApp refused the request as malformed');
      }
      throw AppError.unavailable('WhatsApp refused the request');
    }
  }
}

function notConnected(status: string): AppError {
  return new AppError(HttpStatus.CONFLICT, 'SESSION_NOT_CONNECTED', `The session is not connected (status: ${status})`, { status });
}
