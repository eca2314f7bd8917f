import type { GroupMetadata } from '@whiskeysockets/baileys';
import { applyParticipants } from './group-store.service.js';
import { isFullMetadata, toGroupMetadata, translateGroup, translateGroupChange, translateParticipantsUpdate } from '../whatsapp/group-translator.js';

const ME = ['5491100000000@s.whatsapp.net', '100000000000000@lid'];
const meta: GroupMetadata = {
  id: '120363041234567890@g.us',
  subject: 'Asado',
  owner: '200000000000000@lid',
  ownerPn: '5491122222222@s.whatsapp.net',
  creation: 1_767_000_000,
  addressingMode: 'lid' as GroupMetadata['addressingMode'],
  participants: [
    { id: '200000000000000@lid', phoneNumber: '5491122222222@s.whatsapp.net', admin: 'superadmin' },
    { id: '100000000000000@lid', phoneNumber: '5491100000000@s.whatsapp.net', admin: null },
  ],
};

describe('group translation', () => {
  it('names each participant by PN and LID, the owner by PN, and tells whether the account is an admin', () => {
    const g = translateGroup(meta, ME);
    expect(g).toMatchObject({ jid: meta.id, owner: '5491122222222@s.whatsapp.net', size: 2, addressingMode: 'lid', iAmAdmin: false, ephemeral: 0 });
    expect(g.participants[0]).toEqual({ jid: '200000000000000@lid', pnJid: '5491122222222@s.whatsapp.net', lidJid: '200000000000000@lid', admin: 'superadmin' });
    // And back, as Baileys reads it before a send.
    expect(toGroupMetadata(g).participants).toEqual([
      { id: '200000000000000@lid', phoneNumber: '5491122222222@s.whatsapp.net', lid: '200000000000000@lid', admin: 'superadmin' },
      { id: '100000000000000@lid', phoneNumber: '5491100000000@s.whatsapp.net', lid: '100000000000000@lid', admin: null },
    ]);
  });

  it('tells full metadata from a partial change, and keeps only what changed', () => {
    expect(isFullMetadata(meta)).toBe(true);
    expect(isFullMetadata({ id: meta.id, subject: 'x' })).toBe(false);
    expect(translateGroupChange({ id: meta.id, announce: true, author: '200000000000000@lid', authorPn: '5491122222222@s.whatsapp.net' }, 5)).toEqual({
      jid: meta.id, announce: true, actorJid: '5491122222222@s.whatsapp.net', at: 5,
    });
    expect(translateGroupChange({ id: meta.id, inviteCode: 'abc' }, 5)).toBeUndefined();
  });

  it('calls a member removing itself a leave, and applies each action to the stored list', () => {
    const g = translateGroup(meta, ME);
    const left = translateParticipantsUpdate({ id: meta.id, author: '100000000000000@lid', participants: [{ id: '100000000000000@lid' }], action: 'remove' }, ME, 9)!;
    expect(left).toMatchObject({ action: 'leave', includesMe: true, at: 9 });
    const added = translateParticipantsUpdate({ id: meta.id, author: '200000000000000@lid', participants: [{ id: '300000000000000@lid', phoneNumber: '5491133333333@s.whatsapp.net' }], action: 'add' }, ME, 9)!;
    expect(added).toMatchObject({ action: 'add', includesMe: false });
    const withThree = applyParticipants(g, added);
    expect(withThree.size).toBe(3);
    const promoted = applyParticipants(withThree, translateParticipantsUpdate({ id: meta.id, author: '200000000000000@lid', participants: [{ id: '100000000000000@lid' }], action: 'promote' }, ME, 9)!);
    expect(promoted.iAmAdmin).toBe(true);
    expect(promoted.participants.find((p) => p.jid === '100000000000000@lid')?.admin).toBe('admin');
    const removed = applyParticipants(promoted, translateParticipantsUpdate({ id: meta.id, author: '200000000000000@lid', participants: [{ id: '300000000000000@lid' }], action: 'remove' }, ME, 9)!);
    expect(removed.participants.map((p) => p.jid)).toEqual(['200000000000000@lid', '100000000000000@lid']);
  });
});
