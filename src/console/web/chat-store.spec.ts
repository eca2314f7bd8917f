/**
 * The console's chat list follows `session.chats.update` in place: a change addressed by any of a
 * chat's jids (PN or LID) applies to it, a deleted chat leaves the list, the rest stays as it was.
 */
import { describe, expect, it } from '@jest/globals';
import { chatStore } from './chat-store.js';
import type { Chat } from './chats-api.js';
import { isMuted } from './contacts-api.js';

const chat = (jid: string, lidJid: string | null = null): Chat => ({
  jid, pnJid: jid, lidJid, name: null, isGroup: false, unreadCount: 0, lastMessage: null, lastMessageAt: 1, archived: false, pinned: false, mutedUntil: null,
});

describe('console chat store: session.chats.update', () => {
  it('patches the chat by its PN or LID, drops a deleted one, keeps the others', () => {
    chatStore.chats = new Map([['s1', [chat('1@s.whatsapp.net', '11@lid'), chat('2@s.whatsapp.net'), chat('3@s.whatsapp.net')]]]);
    chatStore.onChatsUpdate('s1', [
      { jid: '11@lid', archived: true, pinned: true },
      { jid: '2@s.whatsapp.net', deleted: true },
      { jid: '3@s.whatsapp.net', mutedUntil: -1, unreadCount: 1 },
      { jid: '9@s.whatsapp.net', archived: true },
    ]);
    const [one, three, ...rest] = chatStore.chats.get('s1')!;
    expect(rest).toEqual([]);
    expect(one).toEqual({ ...chat('1@s.whatsapp.net', '11@lid'), archived: true, pinned: true });
    expect(three).toEqual({ ...chat('3@s.whatsapp.net'), mutedUntil: -1, unreadCount: 1 });
    // Muted forever on the phone (-1), until a future time, or not (past, null).
    expect(isMuted(three!)).toBe(true);
    expect(isMuted({ mutedUntil: Math.floor(Date.now() / 1000) + 60 })).toBe(true);
    expect(isMuted({ mutedUntil: Math.floor(Date.now() / 1000) - 60 })).toBe(false);
    expect(isMuted({ mutedUntil: null })).toBe(false);
  });
});
