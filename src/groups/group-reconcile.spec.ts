import { goneGroups, ownParticipant } from './group-store.service.js';
import type { WaGroup } from '../whatsapp/group-types.js';

const ME = ['5491100000000@s.whatsapp.net', '100000000000000@lid'];
const asked = new Date('2026-12-07T03:00:00.000Z');
const before = new Date(asked.getTime() - 60_000);
const after = new Date(asked.getTime() + 1);

const group = (addressingMode: 'pn' | 'lid', participants: WaGroup['participants']): WaGroup => ({
  jid: '120363041234567890@g.us', subject: 'Asado', description: null, owner: null, createdAt: null, size: participants.length,
  announce: false, restrict: false, ephemeral: 0, addressingMode, iAmAdmin: false, participants,
});

describe('the refresh at connect: which stored groups are gone', () => {
  it('is every stored group missing from the answer and not written since the question', () => {
    const stored = [
      { jid: 'a@g.us', updatedAt: before },
      { jid: 'b@g.us', updatedAt: before },
      { jid: 'c@g.us', updatedAt: after },
    ];
    expect(goneGroups(stored, ['a@g.us'], asked)).toEqual(['b@g.us']);
    // Joined or created while the question was out: kept.
    expect(goneGroups(stored, [], asked)).toEqual(['a@g.us', 'b@g.us']);
    expect(goneGroups(stored, ['a@g.us', 'b@g.us', 'c@g.us'], asked)).toEqual([]);
    expect(goneGroups([], ['a@g.us'], asked)).toEqual([]);
  });

  it('names the account as its stored entry does, without a role, or by its own addresses', () => {
    const mine = { jid: '100000000000000@lid', pnJid: '5491100000000@s.whatsapp.net', lidJid: '100000000000000@lid', admin: 'admin' as const };
    const theirs = { jid: '200000000000000@lid', pnJid: '5491122222222@s.whatsapp.net', lidJid: '200000000000000@lid', admin: 'superadmin' as const };
    expect(ownParticipant(group('lid', [theirs, mine]), ME)).toEqual({ ...mine, admin: null });
    expect(ownParticipant(group('lid', [theirs]), ME)).toEqual({ jid: ME[1], pnJid: ME[0], lidJid: ME[1], admin: null });
    expect(ownParticipant(group('pn', []), ME)).toEqual({ jid: ME[0], pnJid: ME[0], lidJid: ME[1], admin: null });
    expect(ownParticipant(undefined, [ME[0]!])).toEqual({ jid: ME[0], pnJid: ME[0], lidJid: null, admin: null });
  });
});
