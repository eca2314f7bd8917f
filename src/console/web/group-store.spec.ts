/**
 * The console's group store: a group without a chat is listed beside the chats by its creation
 * time, and `session.groups.participants` edits the participants in place whichever address (PN or
 * LID) the event uses; the session itself removed forgets the group.
 */
import { describe, expect, it } from '@jest/globals';
import type { Chat } from './chats-api.js';
import type { Group, Participant } from './groups-api.js';
import { groupStore, withGroups } from './group-store.js';
import { store } from './store.js';

const chat = (jid: string, lastMessageAt: number | null): Chat => ({ jid, pnJid: null, lidJid: null, name: null, isGroup: jid.endsWith('@g.us'), unreadCount: 0, lastMessage: null, lastMessageAt, archived: false, pinned: false, mutedUntil: null });
const group = (jid: string, createdAt: string, participants?: Participant[]): Group => ({
  jid, subject: `S ${jid}`, description: null, owner: null, createdAt, size: participants?.length ?? 0, announce: false, restrict: false, iAmAdmin: true, ...(participants ? { participants } : {}),
});
const person = (phone: string, lid: string, admin: Participant['admin'] = null): Participant => ({ jid: `${lid}@lid`, pnJid: `${phone}@s.whatsapp.net`, lidJid: `${lid}@lid`, phone, admin });

describe('console group store', () => {
  it('lists groups that have no chat by their creation time, and a group with a chat once', () => {
    const chats = [chat('1@s.whatsapp.net', 300), chat('9@g.us', 200), chat('2@s.whatsapp.net', 100)];
    const groups = [group('9@g.us', new Date(50_000).toISOString()), group('8@g.us', new Date(250_000).toISOString()), group('7@g.us', new Date(10_000).toISOString())];
    expect(withGroups(chats, groups)!.map((c) => c.jid)).toEqual(['1@s.whatsapp.net', '8@g.us', '9@g.us', '2@s.whatsapp.net', '7@g.us']);
    expect(withGroups(chats, groups)!.find((c) => c.jid === '8@g.us')).toMatchObject({ name: 'S 8@g.us', isGroup: true });
    expect(withGroups(undefined, groups)).toBeUndefined();
    expect(withGroups(chats, undefined)).toBe(chats);
  });

  it('applies participant events in place by PN or LID, and forgets a group the session was removed from', () => {
    store.replaceAll([{ id: 's', status: 'connected', phone: '100', deviceName: null, accountType: 'personal', qr: null, qrExpiresAt: null, disconnectedReason: null, createdAt: new Date(0).toISOString() }]);
    groupStore.onUpsert('s', [group('g@g.us', new Date(0).toISOString(), [person('100', '900', 'superadmin'), person('101', '901')])]);
    // Added under its PN jid only; promoted by LID; removed by PN.
    groupStore.onParticipants('s', { groupJid: 'g@g.us', action: 'add', participants: [{ jid: '102@s.whatsapp.net', pnJid: '102@s.whatsapp.net', lidJid: '902@lid', phone: '102', admin: null }] });
    groupStore.onParticipants('s', { groupJid: 'g@g.us', action: 'promote', participants: [{ jid: '901@lid', pnJid: null, lidJid: '901@lid', phone: null, admin: 'admin' }] });
    groupStore.onParticipants('s', { groupJid: 'g@g.us', action: 'remove', participants: [{ jid: '102@s.whatsapp.net', pnJid: '102@s.whatsapp.net', lidJid: null, phone: '102', admin: null }] });
    expect(groupStore.group('s', 'g@g.us')!.participants!.map((p) => [p.phone, p.admin])).toEqual([['100', 'superadmin'], ['101', 'admin']]);
    expect(groupStore.group('s', 'g@g.us')!.size).toBe(2);
    groupStore.onParticipants('s', { groupJid: 'g@g.us', action: 'remove', participants: [person('100', '900')] });
    expect(groupStore.group('s', 'g@g.us')).toBeUndefined();
    expect(groupStore.groups.get('s')).toEqual([]);
  });
});
