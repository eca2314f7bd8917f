/**
 * A sender known only by its LID gets its phone from the session's LID↔PN mappings. Live group
 * messages carry the PN beside the LID (`participant_pn`), but history-sync messages only carry the
 * key's `participant` (a LID in a LID-addressed group): the history's own mappings, stored before
 * its messages in the same transaction, name the phone.
 */
import type { EntityManager } from 'typeorm';
import { bareJid, type LidMappings } from '../contacts/lid-mappings.js';
import type { WaMessageRecord } from '../whatsapp/conversation-types.js';

const digitsOf = (pn: string): string | null => /^(\d+)@s\.whatsapp\.net$/.exec(pn)?.[1] ?? null;

export async function resolveSenderPhones(manager: EntityManager, mappings: LidMappings, sessionId: string, records: WaMessageRecord[]): Promise<void> {
  const unknown = records.filter((r) => !r.fromMe && r.senderPhone === null && r.senderJid?.endsWith('@lid'));
  if (unknown.length === 0) return;
  const known = await mappings.counterparts(manager, sessionId, [...new Set(unknown.map((r) => bareJid(r.senderJid!)))]);
  for (const r of unknown) {
    const pn = known.get(bareJid(r.senderJid!));
    if (pn) r.senderPhone = digitsOf(pn);
  }
}
