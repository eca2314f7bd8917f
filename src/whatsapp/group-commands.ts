/**
 * What a session asks of WhatsApp about groups, each call under a deadline. A refusal comes back
 * as a `GroupRefusedError` with WhatsApp's code (403 not an admin, 404 no such group or code,
 * 400 bad request...): Baileys keeps it in `err.data`, its `output.statusCode` stays 500.
 */
import type { ParticipantAction, WASocket } from '@whiskeysockets/baileys';
import type { WaGroup } from './group-types.js';
import { translateGroup, type OwnIds } from './group-translator.js';
import { withTimeout } from './timeout.js';

export class GroupRefusedError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface GroupSettings {
  subject?: string;
  description?: string | null;
  announce?: boolean;
  restrict?: boolean;
  ephemeral?: number;
}

export interface ParticipantResult {
  jid: string;
  status: number;
}

export class GroupCommands {
  constructor(
    private readonly socket: WASocket,
    private readonly timeoutMs: number,
    private readonly ownIds: () => OwnIds,
  ) {}

  async metadata(jid: string): Promise<WaGroup> {
    return translateGroup(await this.call(this.socket.groupMetadata(jid), 'group metadata'), this.ownIds());
  }

  /** Every group the account is in; Baileys also emits them as `groups.update` (full metadata). */
  async all(): Promise<WaGroup[]> {
    const all = await this.call(this.socket.groupFetchAllParticipating(), 'groups');
    return Object.values(all).map((g) => translateGroup(g, this.ownIds()));
  }

  async create(subject: string, participants: string[]): Promise<WaGroup> {
    return translateGroup(await this.call(this.socket.groupCreate(subject, participants), 'group create'), this.ownIds());
  }

  /** Applies each setting given, in order; stops at the first refusal. */
  async update(jid: string, s: GroupSettings): Promise<void> {
    if (s.subject !== undefined) await this.call(this.socket.groupUpdateSubject(jid, s.subject), 'group subject');
    if (s.description !== undefined) await this.call(this.socket.groupUpdateDescription(jid, s.description ?? undefined), 'group description');
    if (s.announce !== undefined) await this.call(this.socket.groupSettingUpdate(jid, s.announce ? 'announcement' : 'not_announcement'), 'group setting');
    if (s.restrict !== undefined) await this.call(this.socket.groupSettingUpdate(jid, s.restrict ? 'locked' : 'unlocked'), 'group setting');
    if (s.ephemeral !== undefined) await this.call(this.socket.groupToggleEphemeral(jid, s.ephemeral), 'group ephemeral');
  }

  async participants(jid: string, action: ParticipantAction, jids: string[]): Promise<ParticipantResult[]> {
    const results = await this.call(this.socket.groupParticipantsUpdate(jid, jids, action), 'group participants');
    return results.map((r, i) => ({ jid: r.jid ?? jids[i] ?? '', status: Number(r.status) || 500 }));
  }

  async leave(jid: string): Promise<void> {
    await this.call(this.socket.groupLeave(jid), 'group leave');
  }

  async inviteCode(jid: string): Promise<string> {
    const code = await this.call(this.socket.groupInviteCode(jid), 'group invite');
    if (!code) throw new GroupRefusedError(404, 'WhatsApp gave no invite code');
    return code;
  }

  async revokeInvite(jid: string): Promise<string> {
    const code = await this.call(this.socket.groupRevokeInvite(jid), 'group invite revoke');
    if (!code) throw new GroupRefusedError(404, 'WhatsApp gave no invite code');
    return code;
  }

  async inviteInfo(code: string): Promise<WaGroup> {
    return translateGroup(await this.call(this.socket.groupGetInviteInfo(code), 'group invite info'), this.ownIds());
  }

  async join(code: string): Promise<string> {
    const jid = await this.call(this.socket.groupAcceptInvite(code), 'group join');
    if (!jid) throw new GroupRefusedError(404, 'WhatsApp did not say which group was joined');
    return jid;
  }

  private async call<T>(p: Promise<T>, what: string): Promise<T> {
    try {
      return await withTimeout(p, this.timeoutMs, what);
    } catch (err) {
      const data = (err as { data?: unknown }).data;
      const code = typeof data === 'number' ? data : typeof data === 'string' && /^\d{3}$/.test(data) ? Number(data) : undefined;
      if (code !== undefined) throw new GroupRefusedError(code, (err as Error).message);
      throw err;
    }
  }
}
