/**
 * The groups part of the sandbox control surface (in-process, no HTTP): contacts make groups, act
 * in them and write to them; a member's inbox. The product depends on `SandboxGroupsControl` only;
 * `createSandboxGroupsControl` binds it to a simulator. Refusals are GroupErrors (code, text).
 */
import type { ContactMedia } from '../contact-actions.js';
import type { WhatsAppSimulator } from '../simulator.js';
import type { GroupInbox } from './group-messaging.js';
import type { GroupChange, ParticipantAction, ParticipantResult } from './group-service.js';
import { gidJid, type GroupRecord } from './group-store.js';

export interface SandboxGroupView {
  jid: string;
  subject: string;
  description?: string;
  announce: boolean;
  restrict: boolean;
  ephemeral: number;
  inviteCode: string;
  participants: { phone: string; role: 'admin' | 'superadmin' | null }[];
}

export interface SandboxGroupsControl {
  /** Whether the number is a session's (an account the simulator plays), not a contact's. */
  isSessionNumber(phone: string): boolean;
  /** The group, if it exists. */
  view(jid: string): SandboxGroupView | undefined;
  create(request: { owner: string; subject: string; participants: string[] }): SandboxGroupView;
  participants(request: { jid: string; actor: string; action: ParticipantAction; participants: string[] }): ParticipantResult[];
  /** Applies the changes in order (subject, description, announce, restrict). */
  update(request: { jid: string; actor: string; changes: GroupChange[] }): SandboxGroupView;
  send(request: { jid: string; from: string; text?: string; mentions?: string[]; media?: ContactMedia }): Promise<{ messageId: string }>;
  inbox(jid: string, member: string): GroupInbox;
}

export function groupView(g: GroupRecord): SandboxGroupView {
  return {
    jid: gidJid(g.id),
    subject: g.subject,
    description: g.description?.text,
    announce: g.announce,
    restrict: g.locked,
    ephemeral: g.ephemeral,
    inviteCode: g.inviteCode,
    participants: g.participants.map((p) => ({ phone: p.phone, role: p.role ?? null })),
  };
}

export function createSandboxGroupsControl(sim: WhatsAppSimulator): SandboxGroupsControl {
  const groups = sim.groups;
  return {
    isSessionNumber: (phone) => sim.registry.accounts.has(phone),
    view: (jid) => {
      const g = groups.get(jid);
      return g && groupView(g);
    },
    create: ({ owner, subject, participants }) => {
      sim.contact(owner);
      return groupView(groups.create(owner, subject, participants).group);
    },
    participants: ({ jid, actor, action, participants }) => groups.participants(actor, jid, action, participants),
    update: ({ jid, actor, changes }) => {
      let g: GroupRecord | undefined;
      for (const change of changes) g = groups.update(actor, jid, change);
      return groupView(g ?? groups.forMember(jid, actor));
    },
    send: async ({ jid, from, text, mentions, media }) => ({ messageId: await groups.members.send(from, jid, { text, mentions, media }) }),
    inbox: (jid, member) => groups.messages.inbox(jid, member),
  };
}
