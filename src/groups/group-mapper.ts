/** Stored groups → the API's shapes (CONTRACT Part 3). */
import type { GroupParticipantSummary, GroupSummary } from '../events/event-map.js';
import type { WaGroup, WaGroupParticipant } from '../whatsapp/group-types.js';

const phoneOf = (pnJid: string | null): string | null => (pnJid ? (/^(\d+)@s\.whatsapp\.net$/.exec(pnJid)?.[1] ?? null) : null);

export function toParticipantSummary(p: WaGroupParticipant): GroupParticipantSummary {
  return { jid: p.jid, pnJid: p.pnJid, lidJid: p.lidJid, phone: phoneOf(p.pnJid), admin: p.admin };
}

export function toGroupSummary(g: WaGroup): GroupSummary {
  return {
    jid: g.jid, subject: g.subject, description: g.description, owner: g.owner, createdAt: g.createdAt === null ? null : new Date(g.createdAt * 1000).toISOString(),
    size: g.size, announce: g.announce, restrict: g.restrict, ephemeral: g.ephemeral, addressingMode: g.addressingMode, iAmAdmin: g.iAmAdmin,
    participants: g.participants.map(toParticipantSummary),
  };
}
