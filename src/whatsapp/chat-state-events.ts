/**
 * The chat states an account's devices share through app state (archive, pin, mute, read/unread,
 * delete) out of a Baileys batch: what the phone (or this session's own patch) changed. Baileys'
 * other `chats.update` items (a new message's time and unread increment) are left out.
 */
import type { BaileysEventMap } from '@whiskeysockets/baileys';

export interface ChatStateChange {
  jid: string;
  archived?: boolean;
  pinned?: boolean;
  /** Unix seconds; null unmutes. */
  mutedUntil?: number | null;
  /** Marked unread (true) or read (false). */
  unread?: boolean;
  deleted?: true;
}

const bare = (jid: string): string => jid.replace(/:\d+@/, '@');
const seconds = (v: unknown): number => {
  const n = Number(typeof v === 'object' && v !== null && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : v);
  return n > 1e12 ? Math.floor(n / 1000) : Math.floor(n);
};

export function chatStateChangesOf(events: Partial<BaileysEventMap>): ChatStateChange[] {
  const out: ChatStateChange[] = [];
  for (const u of events['chats.update'] ?? []) {
    if (!u.id) continue;
    const change: ChatStateChange = { jid: bare(u.id) };
    if (typeof u.archived === 'boolean') change.archived = u.archived;
    if ('pinned' in u) change.pinned = Boolean(u.pinned);
    if ('muteEndTime' in u) change.mutedUntil = u.muteEndTime ? seconds(u.muteEndTime) : null;
    if (u.unreadCount === -1 && !('conversationTimestamp' in u)) change.unread = true;
    if (u.unreadCount === 0 && !('conversationTimestamp' in u)) change.unread = false;
    if (Object.keys(change).length > 1) out.push(change);
  }
  for (const jid of events['chats.delete'] ?? []) out.push({ jid: bare(jid), deleted: true });
  return out;
}
