/**
 * Groups on the simulated server (WA-PROTOCOL-3 §1): the registry's changes (create, participants,
 * subject, description, settings, ephemeral, invite links, leave), who may make them, and the
 * `w:gp2` notification of each change to every device of every member account (the acting device
 * included; a removed member too). Devices that were offline during a change get
 * `<ib><dirty type="groups"/>` at their next login and re-fetch every group. Sessions act through
 * `w:g2` IQs (group-iq.ts); simulated contacts through the same methods (tests, sandbox).
 */
import { randomBytes } from 'node:crypto';
import { node, unixSeconds, type BinaryNode } from '../binary.js';
import type { SimulatorCore } from '../core.js';
import { normalizePhone } from '../contacts.js';
import type { Messaging } from '../messaging.js';
import { deviceKey } from '../registry.js';
import type { ContactMessages } from '../contact-actions.js';
import { GroupMemberActions } from './group-actions.js';
import { GroupMessaging } from './group-messaging.js';
import {
  bareGid,
  gidJid,
  groupNode,
  isAdmin,
  isMember,
  memberJid,
  newDescriptionId,
  newGroupId,
  newInviteCode,
  participantNode,
  pnJid,
  type AddressingMode,
  type GroupRecord,
  type Person,
} from './group-store.js';

/** A refused group action: the WhatsApp error code and text (IQ `<error>`, sandbox 4xx). */
export class GroupError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(`${text} (${code})`);
  }
}

export type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote';
export interface ParticipantResult {
  phone: string;
  /** '200' done, '403' not allowed, '404' not a member, '409' already a member. */
  code: string;
}
export type GroupChange =
  | { subject: string }
  | { description: string | null; id?: string }
  | { announce: boolean }
  | { locked: boolean }
  | { ephemeral: number };

export interface CreateGroupOptions {
  addressingMode?: AddressingMode;
  /** Group id (digits), random by default. */
  id?: string;
}

const MAX_SUBJECT = 100;
const MAX_DESCRIPTION = 2048;
const IN_FLIGHT_MS = 5_000;

export class SimGroups {
  /** Device keys (`phone:device`) that missed a group change while offline. */
  private readonly dirty = new Set<string>();
  /** When each device was last sent a notification: one in flight when its socket closes may be lost. */
  private readonly lastSent = new Map<string, number>();
  /** Group messages both ways (sender keys, receipts, members' inboxes). */
  readonly messages: GroupMessaging;
  /** What simulated members write (text, mentions, media, reactions, edits, revokes). */
  readonly members: GroupMemberActions;
  /** "Every group I am in" queries still to refuse with a 500 (a fault for tests: a failed refresh). */
  participatingFailures = 0;

  constructor(
    private readonly core: SimulatorCore,
    messaging: Messaging,
    contactMessages: ContactMessages,
  ) {
    this.messages = new GroupMessaging(core, this, messaging);
    this.members = new GroupMemberActions(this, this.messages, contactMessages);
    core.events.on('closed', ({ phoneNumber, deviceId }) => {
      if (phoneNumber === undefined || deviceId === undefined) return;
      const key = deviceKey(phoneNumber, deviceId);
      const at = this.lastSent.get(key);
      this.lastSent.delete(key);
      if (at !== undefined && Date.now() - at < IN_FLIGHT_MS) this.dirty.add(key);
    });
    core.events.on('opened', ({ phoneNumber, deviceId }) => {
      const key = deviceKey(phoneNumber, deviceId);
      if (!this.dirty.delete(key)) return;
      for (const c of core.connectionsOf(phoneNumber)) {
        if (c.device?.deviceId === deviceId) c.send(node('ib', {}, [node('dirty', { type: 'groups', timestamp: unixSeconds() })]));
      }
    });
  }

  // ---------------------------------------------------------------- look-ups

  get(jid: string): GroupRecord | undefined {
    return this.core.registry.groups.get(bareGid(jid));
  }

  /** The group, visible to `actor` (a member): else 404 (unknown) or 403 (not a member). */
  forMember(jid: string, actor: string): GroupRecord {
    const group = this.get(jid);
    if (!group) throw new GroupError(404, 'item-not-found');
    if (!isMember(group, actor)) throw new GroupError(403, 'forbidden');
    return group;
  }

  groupsOf(phone: string): GroupRecord[] {
    return [...this.core.registry.groups.values()].filter((g) => isMember(g, phone));
  }

  byInviteCode(code: string): GroupRecord | undefined {
    for (const g of this.core.registry.groups.values()) if (g.inviteCode === code) return g;
    return undefined;
  }

  /** A phone number's person (account or contact; an unknown number becomes a contact). */
  person(phone: string): Person {
    const account = this.core.registry.accounts.get(phone);
    if (account) return { phone, lid: account.lid };
    const contact = this.core.contacts.getOrCreate(phone);
    return { phone, lid: contact.lid };
  }

  /** A participant jid (PN or LID, as a client passes it) → phone number; undefined if unknown. */
  phoneOfJid(jid: string): string | undefined {
    if (jid.endsWith('@lid')) {
      const who = this.core.resolveUser(jid, false);
      if (!who) return undefined;
      return who.kind === 'account' ? who.account.phoneNumber : who.contact.phoneNumber;
    }
    try {
      return normalizePhone(jid);
    } catch {
      return undefined;
    }
  }

  lidOf = (phone: string): string => this.person(phone).lid;

  node(group: GroupRecord): BinaryNode {
    return groupNode(group, this.lidOf);
  }

  // ---------------------------------------------------------------- changes

  create(actor: string, subject: string, phones: string[], opts: CreateGroupOptions = {}): { group: GroupRecord; results: ParticipantResult[] } {
    checkSubject(subject);
    const now = Number(unixSeconds());
    const owner = this.person(actor);
    const group: GroupRecord = {
      id: opts.id ?? newGroupId(),
      subject,
      subjectTime: now,
      subjectBy: actor,
      creation: now,
      creator: actor,
      addressingMode: opts.addressingMode ?? 'lid',
      participants: [{ ...owner, role: 'superadmin' }],
      announce: false,
      locked: false,
      ephemeral: 0,
      inviteCode: newInviteCode(),
    };
    const results: ParticipantResult[] = [];
    for (const phone of new Set(phones)) {
      if (phone === actor) continue;
      group.participants.push(this.person(phone));
      results.push({ phone, code: '200' });
    }
    this.core.registry.groups.set(group.id, group);
    this.notify(group, actor, node('create', {}, [this.node(group)]));
    return { group, results };
  }

  participants(actor: string, jid: string, action: ParticipantAction, phones: string[]): ParticipantResult[] {
    const group = this.forMember(jid, actor);
    if (!isAdmin(group, actor)) throw new GroupError(403, 'forbidden');
    const results: ParticipantResult[] = [];
    const changed: Person[] = [];
    const removed: string[] = [];
    for (const phone of new Set(phones)) {
      const current = group.participants.find((p) => p.phone === phone);
      if (action === 'add') {
        if (current) results.push({ phone, code: '409' });
        else {
          const p = this.person(phone);
          group.participants.push(p);
          changed.push(p);
          results.push({ phone, code: '200' });
        }
        continue;
      }
      if (!current) {
        results.push({ phone, code: '404' });
        continue;
      }
      if (current.role === 'superadmin' && phone !== actor && action !== 'promote') {
        results.push({ phone, code: '403' });
        continue;
      }
      if (action === 'remove') {
        group.participants = group.participants.filter((p) => p.phone !== phone);
        removed.push(phone);
      } else if (action === 'promote') current.role ??= 'admin';
      else delete current.role;
      changed.push(current);
      results.push({ phone, code: '200' });
    }
    if (changed.length > 0) this.notify(group, actor, node(action, {}, changed.map((p) => participantNode(group, p, false))), removed);
    return results;
  }

  update(actor: string, jid: string, change: GroupChange): GroupRecord {
    const group = this.forMember(jid, actor);
    const admin = isAdmin(group, actor);
    let child: BinaryNode;
    if ('subject' in change) {
      if (group.locked && !admin) throw new GroupError(403, 'forbidden');
      checkSubject(change.subject);
      Object.assign(group, { subject: change.subject, subjectTime: Number(unixSeconds()), subjectBy: actor });
      child = node('subject', { subject: change.subject, s_o: memberJid(group, this.person(actor)), s_t: String(group.subjectTime) });
    } else if ('description' in change) {
      if (group.locked && !admin) throw new GroupError(403, 'forbidden');
      const id = change.id ?? newDescriptionId();
      if (change.description === null || change.description === '') {
        group.description = undefined;
        child = node('description', { id }, [node('delete')]);
      } else {
        if (change.description.length > MAX_DESCRIPTION) throw new GroupError(400, 'bad-request');
        group.description = { id, text: change.description, t: Number(unixSeconds()), by: actor };
        child = node('description', { id }, [node('body', {}, Buffer.from(change.description, 'utf8'))]);
      }
    } else if ('announce' in change) {
      if (!admin) throw new GroupError(403, 'forbidden');
      group.announce = change.announce;
      child = node(change.announce ? 'announcement' : 'not_announcement');
    } else if ('locked' in change) {
      if (!admin) throw new GroupError(403, 'forbidden');
      group.locked = change.locked;
      child = node(change.locked ? 'locked' : 'unlocked');
    } else {
      if (group.locked && !admin) throw new GroupError(403, 'forbidden');
      if (!Number.isInteger(change.ephemeral) || change.ephemeral < 0) throw new GroupError(400, 'bad-request');
      group.ephemeral = change.ephemeral;
      child = change.ephemeral > 0 ? node('ephemeral', { expiration: String(change.ephemeral) }) : node('not_ephemeral');
    }
    this.notify(group, actor, child);
    return group;
  }

  leave(actor: string, jids: string[]): void {
    for (const jid of jids) {
      const group = this.forMember(jid, actor);
      const me = group.participants.find((p) => p.phone === actor)!;
      group.participants = group.participants.filter((p) => p.phone !== actor);
      // The group keeps an admin: the oldest member is promoted when the last one leaves.
      if (group.participants.length > 0 && !group.participants.some((p) => p.role)) group.participants[0]!.role = 'admin';
      this.notify(group, actor, node('leave', {}, [participantNode(group, me, false)]), [actor]);
    }
  }

  inviteCode(actor: string, jid: string): string {
    const group = this.forMember(jid, actor);
    if (!isAdmin(group, actor)) throw new GroupError(403, 'forbidden');
    return group.inviteCode;
  }

  revokeInvite(actor: string, jid: string): string {
    const group = this.forMember(jid, actor);
    if (!isAdmin(group, actor)) throw new GroupError(403, 'forbidden');
    group.inviteCode = newInviteCode();
    this.notify(group, actor, node('invite', { code: group.inviteCode }));
    return group.inviteCode;
  }

  /** Joins by invite code; the group's jid. An unknown (or revoked) code: 404. */
  acceptInvite(actor: string, code: string): GroupRecord {
    const group = this.byInviteCode(code);
    if (!group) throw new GroupError(404, 'item-not-found');
    if (!isMember(group, actor)) {
      const p = this.person(actor);
      group.participants.push(p);
      this.notify(group, actor, node('add', { reason: 'invite' }, [participantNode(group, p, false)]));
    }
    return group;
  }

  inviteInfo(code: string): GroupRecord {
    const group = this.byInviteCode(code);
    if (!group) throw new GroupError(404, 'item-not-found');
    return group;
  }

  // ---------------------------------------------------------------- notifications

  /** `<notification type="w:gp2">` to every device of every member account (and of `also`). */
  private notify(group: GroupRecord, actor: string, child: BinaryNode, also: string[] = []): void {
    const who = this.person(actor);
    const attrs: Record<string, string | undefined> =
      group.addressingMode === 'lid'
        ? { participant: memberJid(group, who), participant_pn: pnJid(actor), addressing_mode: 'lid' }
        : { participant: pnJid(actor), participant_lid: `${who.lid}@lid` };
    const stanza = node('notification', { from: gidJid(group.id), type: 'w:gp2', id: randomBytes(8).toString('hex').toUpperCase(), t: unixSeconds(), ...attrs }, [child]);
    const phones = new Set([...group.participants.map((p) => p.phone), ...also]);
    for (const phone of phones) {
      if (!this.core.registry.accounts.has(phone)) continue;
      const conns = this.core.connectionsOf(phone);
      for (const device of this.core.registry.devicesOf(phone)) {
        const open = conns.filter((c) => c.device === device && c.offlineSent);
        const key = deviceKey(phone, device.deviceId);
        if (open.length === 0) this.dirty.add(key);
        else this.lastSent.set(key, Date.now());
        for (const c of open) c.send(stanza);
      }
    }
    this.core.events.emit('groupChanged', { jid: gidJid(group.id), actor, change: child.tag });
  }
}

function checkSubject(subject: string): void {
  if (subject.trim().length === 0 || [...subject].length > MAX_SUBJECT) throw new GroupError(400, 'bad-request');
}
