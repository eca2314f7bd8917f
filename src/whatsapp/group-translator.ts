/**
 * Baileys group metadata and group notifications → the Baileys-free records of group-types.ts,
 * and back (the stored group as Baileys' `GroupMetadata`, for `cachedGroupMetadata`). Pure.
 */
import { jidNormalizedUser, type GroupMetadata, type GroupParticipant, type ParticipantAction } from '@whiskeysockets/baileys';
import { wellFormedJson } from '../common/postgres-text.js';
import type { GroupRole, ParticipantsAction, WaGroup, WaGroupChange, WaGroupParticipant, WaParticipantsChange } from './group-types.js';
import { isLidJid } from './jid.js';

/** The account's own addresses (PN and LID users, without device), to tell "me" among participants. */
export type OwnIds = readonly string[];

const userOf = (jid: string | null | undefined): string | null => (jid ? jidNormalizedUser(jid) : null);
const isMe = (p: WaGroupParticipant, own: OwnIds): boolean => [p.jid, p.pnJid, p.lidJid].some((j) => j !== null && own.includes(j));

export function translateParticipant(p: Partial<GroupParticipant> & { id: string }): WaGroupParticipant {
  const jid = userOf(p.id) ?? p.id;
  const pn = p.phoneNumber ? userOf(p.phoneNumber) : jid.endsWith('@s.whatsapp.net') ? jid : null;
  const lid = p.lid ? userOf(p.lid) : isLidJid(jid) ? jid : null;
  const admin: GroupRole = p.admin === 'admin' || p.admin === 'superadmin' ? p.admin : p.isSuperAdmin ? 'superadmin' : p.isAdmin ? 'admin' : null;
  return { jid, pnJid: pn, lidJid: lid, admin };
}

export function translateGroup(meta: GroupMetadata, own: OwnIds): WaGroup {
  const participants = (meta.participants ?? []).map(translateParticipant);
  const me = participants.find((p) => isMe(p, own));
  return wellFormedJson<WaGroup>({
    jid: meta.id,
    subject: meta.subject ?? '',
    description: meta.desc ?? null,
    owner: userOf(meta.ownerPn ?? meta.owner) ?? null,
    createdAt: meta.creation ?? null,
    size: meta.size ?? participants.length,
    announce: Boolean(meta.announce),
    restrict: Boolean(meta.restrict),
    ephemeral: meta.ephemeralDuration ?? 0,
    addressingMode: meta.addressingMode === 'lid' ? 'lid' : 'pn',
    iAmAdmin: Boolean(me?.admin),
    participants,
  });
}

/** A full metadata record in `groups.update` (Baileys' own refresh) carries the participant list. */
export function isFullMetadata(update: Partial<GroupMetadata>): update is GroupMetadata {
  return Boolean(update.id) && Array.isArray(update.participants) && typeof update.subject === 'string';
}

export function translateGroupChange(update: Partial<GroupMetadata>, now: number): WaGroupChange | undefined {
  if (!update.id) return undefined;
  const change: WaGroupChange = { jid: update.id, actorJid: userOf(update.authorPn ?? update.author) ?? null, at: now };
  if (update.subject !== undefined) change.subject = update.subject;
  if (update.desc !== undefined) change.description = update.desc ?? null;
  if (update.announce !== undefined) change.announce = Boolean(update.announce);
  if (update.restrict !== undefined) change.restrict = Boolean(update.restrict);
  if (update.ephemeralDuration !== undefined) change.ephemeral = update.ephemeralDuration ?? 0;
  const changed = ['subject', 'description', 'announce', 'restrict', 'ephemeral'].some((k) => k in change);
  return changed ? wellFormedJson(change) : undefined;
}

export function translateParticipantsUpdate(
  u: { id: string; author: string; authorPn?: string; participants: GroupParticipant[]; action: ParticipantAction },
  own: OwnIds,
  now: number,
): WaParticipantsChange | undefined {
  if (u.action === 'modify') return undefined;
  const participants = u.participants.map((p) => translateParticipant(typeof p === 'string' ? { id: p } : p));
  const actor = userOf(u.authorPn ?? u.author) ?? null;
  const actorIds = [userOf(u.author), userOf(u.authorPn)].filter((j): j is string => j !== null);
  const self = participants.length === 1 && [participants[0]!.jid, participants[0]!.pnJid, participants[0]!.lidJid].some((j) => j !== null && actorIds.includes(j));
  let action: ParticipantsAction = u.action;
  if (self && u.action === 'remove') action = 'leave';
  else if (self && u.action === 'add') action = 'join';
  return { groupJid: u.id, action, participants, actorJid: actor, at: now, includesMe: participants.some((p) => isMe(p, own)) };
}

/** The stored group as Baileys reads it before a send (participants' addresses, addressing mode, ephemeral). */
export function toGroupMetadata(g: WaGroup): GroupMetadata {
  return {
    id: g.jid,
    subject: g.subject,
    owner: g.owner ?? undefined,
    ...(g.description !== null ? { desc: g.description } : {}),
    ...(g.createdAt !== null ? { creation: g.createdAt } : {}),
    size: g.size,
    announce: g.announce,
    restrict: g.restrict,
    ephemeralDuration: g.ephemeral || undefined,
    addressingMode: g.addressingMode === 'lid' ? ('lid' as GroupMetadata['addressingMode']) : ('pn' as GroupMetadata['addressingMode']),
    participants: g.participants.map((p) => ({
      id: p.jid,
      ...(p.pnJid ? { phoneNumber: p.pnJid } : {}),
      ...(p.lidJid ? { lid: p.lidJid } : {}),
      admin: p.admin,
    })),
  };
}
