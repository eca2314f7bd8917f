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

/**
 * Whether the credentials belong to a paired account. requestPairingCode writes a provisional
 * `me` (name '~') before the phone enters the code: that is not a pairing.
 */
export function isPaired(creds: Partial<AuthenticationCreds>): boolean {
  return Boolean(creds.me?.id) && creds.me?.name !== '~';
}

/** What the paired account is, from Baileys' credentials (set at pairing, kept afterwards). */
export function accountInfoOf(creds: Partial<AuthenticationCreds>): AccountInfo {
  const me = creds.me;
  const id = me?.id ?? null;
  const phone = id ? (id.split('@')[0]?.split(':')[0] ?? null) : null;
  const platform = creds.platform ?? null;
  // Business accounts pair from the WhatsApp Business app (platform smba/smbi) or carry a verified
  // name. A name alone says nothing: personal accounts get their push name after `open`.
  const business = Boolean(me?.verifiedName) || Boolean(platform && /^smb/i.test(platform));
  // requestPairingCode writes the placeholder name '~' until the pairing succeeds.
  const name = me?.name && me.name !== '~' ? me.name : null;
  return {
    phone: phone && /^\d+$/.test(phone) ? phone : null,
    whatsappUserId: id,
    lid: me?.lid ?? null,
    deviceName: name ?? me?.notify ?? me?.verifiedName ?? null,
    accountType: business ? 'business' : 'personal',
    platform,
  };
}
