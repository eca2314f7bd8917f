/** Routes one batch of Baileys group events to a session's group sink, translated. */
import { jidNormalizedUser, type BaileysEventMap, type Contact } from '@whiskeysockets/baileys';
import type { LidPnPair } from './conversation-types.js';
import type { GroupSink, WaGroup, WaGroupChange, WaGroupParticipant } from './group-types.js';
import { isFullMetadata, translateGroup, translateGroupChange, translateParticipantsUpdate, type OwnIds } from './group-translator.js';

/** The account's own addresses (PN and LID), without device. */
export function ownIdsOf(me: Contact | undefined): OwnIds {
  return [me?.id, me?.lid].filter((j): j is string => Boolean(j)).map((j) => jidNormalizedUser(j));
}

/**
 * `fetch` reads a group the account was just added to (WhatsApp sends no group record then, only
 * the participants notification).
 */
export async function routeGroupEvents(
  events: Partial<BaileysEventMap>, sink: GroupSink, own: OwnIds, fetch?: (jid: string) => Promise<WaGroup>, mappings?: (pairs: LidPnPair[]) => Promise<void>,
): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const upserts = events['groups.upsert'] ?? [];
  const updates = events['groups.update'] ?? [];
  // Baileys' own refreshes (groupFetchAllParticipating, the dirty bit) arrive as full metadata in groups.update.
  const full = [...upserts, ...updates.filter(isFullMetadata)].map((g) => translateGroup(g, own));
  if (full.length > 0) {
    // Group metadata names each member by LID and PN: the same LID↔PN mappings 1:1 chats use (senders, receipts).
    await storeMappings(full.flatMap((g) => g.participants), mappings);
    await sink.upsert(full);
  }
  const changes = updates.filter((u) => !isFullMetadata(u)).map((u) => translateGroupChange(u, now)).filter((c): c is WaGroupChange => c !== undefined);
  if (changes.length > 0) await sink.update(changes);
  const participants = events['group-participants.update'];
  if (participants) {
    const change = translateParticipantsUpdate(participants, own, now);
    if (change) {
      const joined = change.includesMe && (change.action === 'add' || change.action === 'join') && !(await sink.cached(change.groupJid));
      const group = joined && fetch ? await fetch(change.groupJid).catch(() => undefined) : undefined;
      if (group) await sink.upsert([group]);
      await storeMappings([...(group?.participants ?? []), ...change.participants], mappings);
      await sink.participants(change);
    }
  }
}

async function storeMappings(participants: WaGroupParticipant[], mappings?: (pairs: LidPnPair[]) => Promise<void>): Promise<void> {
  const pairs = participants.filter((p) => p.lidJid && p.pnJid).map((p) => ({ lid: p.lidJid!, pn: p.pnJid! }));
  if (pairs.length > 0 && mappings) await mappings(pairs);
}
