/**
 * Contacts and chat actions as the console calls them (docs/contacts.md), always for one session
 * (`?sessionId=`): profiles cached in the page (a few read at a time, each for a while), the
 * blocklist, block/unblock, and PATCH/DELETE of a chat.
 */
import { api } from './api.js';
import type { Chat } from './chats-api.js';

export interface ContactProfile {
  jid: string;
  phone: string | null;
  name: string | null;
  notify: string | null;
  about: string | null;
  pictureUrl: string | null;
  isBusiness: boolean;
}

export interface BlockedContact {
  jid: string;
  pnJid: string | null;
  lidJid: string | null;
  phone: string | null;
}

export interface ChatChanges {
  archived?: boolean;
  pinned?: boolean;
  mutedUntil?: string | null;
  unread?: boolean;
}

const q = (sessionId: string): string => `sessionId=${encodeURIComponent(sessionId)}`;
const enc = encodeURIComponent;

/** A profile is read again after this long (WhatsApp's picture URLs expire). */
const PROFILE_TTL_MS = 10 * 60_000;
/** At most this many profile reads at once: a long chat list does not fire them all together. */
const PARALLEL = 3;

const profiles = new Map<string, { at: number; profile: Promise<ContactProfile | null> }>();
const waiting: Array<() => void> = [];
let running = 0;

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The contact's profile, from the page's cache when fresh; null when it cannot be read (a group, an error). */
export function contactProfile(sessionId: string, jid: string, fresh = false): Promise<ContactProfile | null> {
  const key = `${sessionId} ${jid}`;
  const cached = profiles.get(key);
  if (cached && !fresh && Date.now() - cached.at < PROFILE_TTL_MS) return cached.profile;
  if (jid.endsWith('@g.us')) return Promise.resolve(null);
  const profile = limited(() => api<ContactProfile>('GET', `contacts/${enc(jid)}/profile?${q(sessionId)}`)).catch(() => null);
  profiles.set(key, { at: Date.now(), profile });
  return profile;
}

export async function blocklist(sessionId: string): Promise<BlockedContact[]> {
  return (await api<{ data: BlockedContact[] }>('GET', `contacts/blocklist?${q(sessionId)}`)).data;
}

export function setBlocked(sessionId: string, jid: string, blocked: boolean): Promise<{ jid: string; blocked: boolean }> {
  return api('POST', `contacts/${enc(jid)}/${blocked ? 'block' : 'unblock'}?${q(sessionId)}`, {});
}

export function updateChat(sessionId: string, jid: string, changes: ChatChanges): Promise<Chat> {
  return api('PATCH', `chats/${enc(jid)}?${q(sessionId)}`, changes);
}

export function deleteChat(sessionId: string, jid: string): Promise<void> {
  return api('DELETE', `chats/${enc(jid)}?${q(sessionId)}`);
}

/** Muted now: `mutedUntil` (Unix seconds) still ahead, or negative (muted forever on the phone). */
export const isMuted = (c: Pick<Chat, 'mutedUntil'>): boolean => c.mutedUntil !== null && c.mutedUntil !== 0 && (c.mutedUntil < 0 || c.mutedUntil * 1000 > Date.now());
