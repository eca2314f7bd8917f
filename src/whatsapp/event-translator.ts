/**
 * Pure translation of Baileys data into the product's domain shapes (seed 002 summaries).
 * Nothing here does I/O, so it is unit-tested on plain objects.
 */
import type { AuthenticationCreds } from '@whiskeysockets/baileys';
import type { AccountType, PresenceUpdate } from '../events/event-map.js';

export function presenceUpdatesOf(presences: Record<string, { lastKnownPresence: string; lastSeen?: number }>): PresenceUpdate[] {
  return Object.entries(presences).map(([jid, p]) => ({
    jid,
    presence: p.lastKnownPresence as PresenceUpdate['presence'],
    lastSeen: p.lastSeen ?? null,
  }));
}

export interface AccountInfo {
  phone: string | null;
  whatsappUserId: string | null;
  lid: string | null;
  deviceName: string | null;
  accountType: AccountType;
  platform: string | null;
}

/** What the paired account is, from Baileys' credentials (set at pairing, kept afterwards). */
export function accountInfoOf(creds: Partial<AuthenticationCreds>): AccountInfo {
  const me = creds.me;
  const id = me?.id ?? null;
  const phone = id ? (id.split('@')[0]?.split(':')[0] ?? null) : null;
  const platform = creds.platform ?? null;
  // WhatsApp names the account at pairing only for business accounts (`<biz name>` → me.name).
  const business = Boolean(me?.name) || Boolean(me?.verifiedName) || Boolean(platform && /^smb/i.test(platform));
  return {
    phone: phone && /^\d+$/.test(phone) ? phone : null,
    whatsappUserId: id,
    lid: me?.lid ?? null,
    deviceName: me?.name ?? me?.notify ?? me?.verifiedName ?? null,
    accountType: business ? 'business' : 'personal',
    platform,
  };
}
