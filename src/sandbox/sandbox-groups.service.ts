/**
 * Sandbox groups: simulated contacts make groups with the caller's sessions, act in them (members,
 * subject, description, settings) and write to them with sender keys; a member's inbox. A group is
 * the caller's when every session number among its members belongs to the caller's tenant (and
 * there is one): any other group answers 404, as an unknown one does.
 */
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { SessionStore } from '../sessions/session-store.js';
import { GroupError, type GroupChange } from '../simulator/groups/group-service.js';
import type { GroupInbox } from '../simulator/groups/group-messaging.js';
import { createSandboxGroupsControl, type SandboxGroupsControl, type SandboxGroupView } from '../simulator/groups/sandbox-groups-control.js';
import { SandboxService } from './sandbox.service.js';
import type { SandboxCreateGroupDto, GroupMessageDto, GroupParticipantsDto, SandboxUpdateGroupDto } from './sandbox-groups.dto.js';

const NOT_FOUND = 'No group of yours has that jid';
/** Group changes (the sessions' own too) are saved with the devices this long after the last one. */
const SAVE_AFTER_MS = 1_000;

@Injectable()
export class SandboxGroupsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private control?: SandboxGroupsControl;
  private saveTimer?: NodeJS.Timeout;
  private off?: () => void;

  constructor(
    private readonly sandbox: SandboxService,
    private readonly store: SessionStore,
  ) {}

  onApplicationBootstrap(): void {
    this.off = this.sandbox.simulator.on('groupChanged', () => {
      if (this.saveTimer) return;
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        void this.sandbox.saveDevices();
      }, SAVE_AFTER_MS);
      this.saveTimer.unref();
    });
  }

  onApplicationShutdown(): void {
    this.off?.();
    clearTimeout(this.saveTimer);
  }

  private ctl(): SandboxGroupsControl {
    this.control ??= createSandboxGroupsControl(this.sandbox.simulator);
    return this.control;
  }

  async create(auth: AuthContext, body: SandboxCreateGroupDto): Promise<SandboxGroupView> {
    const ctl = this.ctl();
    this.assertContact(ctl, body.owner, 'owner');
    const own = await this.ownNumbers(auth);
    const participants = body.participants.filter((p) => p !== body.owner);
    this.assertSessionsAreOwn(ctl, own, participants);
    if (!participants.some((p) => own.has(p))) throw AppError.badRequest("participants must include one of your sessions' numbers");
    return this.run(() => ctl.create({ owner: body.owner, subject: body.subject, participants }));
  }

  async send(auth: AuthContext, jid: string, body: GroupMessageDto): Promise<{ messageId: string }> {
    if (body.text === undefined && !body.media) throw AppError.badRequest('text or media is required');
    const ctl = this.ctl();
    await this.visible(auth, jid);
    this.assertContact(ctl, body.from, 'from');
    const { media, ...rest } = body;
    return this.run(() => ctl.send({ jid, ...rest, media: media && { ...media, data: Buffer.from(media.data, 'base64') } }));
  }

  async participants(auth: AuthContext, jid: string, body: GroupParticipantsDto): Promise<{ phone: string; status: string }[]> {
    const ctl = this.ctl();
    const own = await this.visible(auth, jid);
    this.assertContact(ctl, body.actor, 'actor');
    this.assertSessionsAreOwn(ctl, own, body.participants);
    const results = await this.run(() => ctl.participants({ jid, actor: body.actor, action: body.action, participants: body.participants }));
    return results.map((r) => ({ phone: r.phone, status: r.code }));
  }

  async update(auth: AuthContext, jid: string, body: SandboxUpdateGroupDto): Promise<SandboxGroupView> {
    const changes: GroupChange[] = [];
    if (body.subject !== undefined) changes.push({ subject: body.subject });
    if (body.description !== undefined) changes.push({ description: body.description === '' ? null : body.description });
    if (body.announce !== undefined) changes.push({ announce: body.announce });
    if (body.restrict !== undefined) changes.push({ locked: body.restrict });
    if (changes.length === 0) throw AppError.badRequest('one of subject, description, announce or restrict is required');
    const ctl = this.ctl();
    await this.visible(auth, jid);
    this.assertContact(ctl, body.actor, 'actor');
    return this.run(() => ctl.update({ jid, actor: body.actor, changes }));
  }

  async inbox(auth: AuthContext, jid: string, member: string): Promise<GroupInbox> {
    await this.visible(auth, jid);
    return this.ctl().inbox(jid, member);
  }

  /** 404 unless the group exists and its session members are all the caller's (one at least); the caller's numbers. */
  private async visible(auth: AuthContext, jid: string): Promise<Set<string>> {
    const ctl = this.ctl();
    const group = ctl.view(jid);
    if (!group) throw AppError.notFound(NOT_FOUND);
    const own = await this.ownNumbers(auth);
    const sessions = group.participants.map((p) => p.phone).filter((p) => ctl.isSessionNumber(p));
    if (sessions.length === 0 || !sessions.every((p) => own.has(p))) throw AppError.notFound(NOT_FOUND);
    return own;
  }

  private async ownNumbers(auth: AuthContext): Promise<Set<string>> {
    return new Set((await this.store.listVisible(auth)).map((s) => s.phone).filter((p): p is string => !!p));
  }

  /** Contacts act here; a session acts through WhatsApp itself. */
  private assertContact(ctl: SandboxGroupsControl, phone: string, field: string): void {
    if (ctl.isSessionNumber(phone)) throw AppError.badRequest(`${field} must be a simulated contact, not a session's number`);
  }

  private assertSessionsAreOwn(ctl: SandboxGroupsControl, own: Set<string>, phones: string[]): void {
    for (const phone of phones) if (ctl.isSessionNumber(phone) && !own.has(phone)) throw AppError.notFound('No session of yours has that number');
  }

  /** A refusal of the simulated server becomes the caller's 4xx (its WhatsApp code kept). */
  private async run<T>(action: () => Promise<T> | T): Promise<T> {
    try {
      return await action();
    } catch (err) {
      if (!(err instanceof GroupError)) throw err instanceof AppError ? err : AppError.conflict(`The simulator refused: ${(err as Error).message}`);
      const message = `WhatsApp refused: ${err.text}`;
      if (err.code === 404) throw AppError.notFound(message);
      if (err.code === 403) throw AppError.forbidden(`${message} (the actor is not a member, or not an admin)`);
      if (err.code === 400) throw AppError.badRequest(message);
      throw AppError.conflict(message, { code: err.code });
    }
  }
}
