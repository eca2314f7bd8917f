/**
 * The simulator's group registry records (WA-PROTOCOL-3 §1e): plain JSON data kept in the
 * DeviceRegistry (so `saveDevices()` persists them with the devices), and the `<group>` node
 * Baileys' `extractGroupMetadata` reads. Members are accounts (sessions' numbers, played by their
 * phones and companions) or simulated contacts; both are known by PN and LID.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { node, type BinaryNode } from '../binary.js';

export type GroupRole = 'admin' | 'superadmin';
export type AddressingMode = 'lid' | 'pn';

export interface GroupParticipantRecord {
  /** Phone number (digits). */
  phone: string;
  /** LID user (digits). */
  lid: string;
  role?: GroupRole;
}

export interface GroupRecord {
  /** Bare id (`120363…`), without `@g.us`. */
  id: string;
  subject: string;
  subjectTime: number;
  /** Phone of who set the subject. */
  subjectBy: string;
  creation: number;
  /** Phone of the creator. */
  creator: string;
  addressingMode: AddressingMode;
  participants: GroupParticipantRecord[];
  description?: { id: string; text: string; t: number; by: string };
  announce: boolean;
  locked: boolean;
  /** Seconds, 0 = off. */
  ephemeral: number;
  inviteCode: string;
}

/** A party known by PN and LID (an account or a contact). */
export interface Person {
  phone: string;
  lid: string;
}

export const gidJid = (id: string): string => `${id}@g.us`;
export const bareGid = (jid: string): string => jid.split('@')[0]!;
export const pnJid = (phone: string): string => `${phone}@s.whatsapp.net`;
export const lidJid = (lid: string): string => `${lid}@lid`;

export function newGroupId(): string {
  return `120363${randomInt(100_000, 999_999)}${randomInt(100_000, 999_999)}`;
}

export function newInviteCode(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

export function newDescriptionId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** The jid a group uses for a person: LID in a lid group, PN in a pn group. */
export function memberJid(group: GroupRecord, p: Person): string {
  return group.addressingMode === 'lid' ? lidJid(p.lid) : pnJid(p.phone);
}

/** `<participant jid phone_number|lid [type]/>` as the group's addressing mode writes it. */
export function participantNode(group: GroupRecord, p: GroupParticipantRecord | Person, withRole = true): BinaryNode {
  const role = withRole ? (p as GroupParticipantRecord).role : undefined;
  return group.addressingMode === 'lid'
    ? node('participant', { jid: lidJid(p.lid), phone_number: pnJid(p.phone), type: role })
    : node('participant', { jid: pnJid(p.phone), lid: lidJid(p.lid), type: role });
}

/** The full `<group>` node (metadata answers, `<create>` notifications, invite info). */
export function groupNode(group: GroupRecord, lidOf: (phone: string) => string): BinaryNode {
  const who = (phone: string): Person => ({ phone, lid: lidOf(phone) });
  const content: BinaryNode[] = group.participants.map((p) => participantNode(group, p));
  if (group.description) {
    const d = group.description;
    content.push(node('description', { id: d.id, participant: memberJid(group, who(d.by)), participant_pn: pnJid(d.by), t: String(d.t) }, [node('body', {}, Buffer.from(d.text, 'utf8'))]));
  }
  if (group.ephemeral > 0) content.push(node('ephemeral', { expiration: String(group.ephemeral) }));
  if (group.announce) content.push(node('announcement'));
  if (group.locked) content.push(node('locked'));
  return node(
    'group',
    {
      id: group.id,
      subject: group.subject,
      s_t: String(group.subjectTime),
      s_o: memberJid(group, who(group.subjectBy)),
      s_o_pn: pnJid(group.subjectBy),
      creation: String(group.creation),
      creator: memberJid(group, who(group.creator)),
      creator_pn: pnJid(group.creator),
      addressing_mode: group.addressingMode,
      size: String(group.participants.length),
    },
    content,
  );
}

export function isAdmin(group: GroupRecord, phone: string): boolean {
  return !!group.participants.find((p) => p.phone === phone)?.role;
}

export function isMember(group: GroupRecord, phone: string): boolean {
  return group.participants.some((p) => p.phone === phone);
}
