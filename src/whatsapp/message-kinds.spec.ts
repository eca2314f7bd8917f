import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { proto } from '@whiskeysockets/baileys';
import { decryptVote, mentionsOf, parseVcard, pollOfRaw, readableOf, richOf } from './message-kinds.js';

describe('parseVcard', () => {
  it('reads the formatted name and the numbers, waid first, folded lines joined', () => {
    const card = parseVcard('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eva\r\n  Lopez\r\nTEL;type=CELL;waid=5491122223333:+54 9 11 2222-3333\r\nitem1.TEL:+1 (555) 010-0000\r\nEND:VCARD');
    expect(card).toMatchObject({ displayName: 'Eva Lopez', phones: ['5491122223333', '15550100000'] });
    expect(parseVcard('BEGIN:VCARD\nFN:Ignored\nEND:VCARD', 'Shown').displayName).toBe('Shown');
  });
});

describe('richOf', () => {
  it('decodes each kind, null when there is none', () => {
    expect(richOf({ conversation: 'hi' })).toBeNull();
    expect(richOf({ locationMessage: { degreesLatitude: 1, degreesLongitude: 2, name: 'Here' } })?.location).toEqual({ latitude: 1, longitude: 2, name: 'Here', address: null, url: null, live: false });
    expect(richOf({ pollCreationMessageV3: { name: 'Q', options: [{ optionName: 'a' }, { optionName: 'b' }], selectableOptionsCount: 1 } })?.poll).toEqual({ name: 'Q', selectableCount: 1, options: ['a', 'b'] });
    expect(richOf({ eventMessage: { name: 'E', startTime: 1893596400 } })?.event).toEqual({ name: 'E', description: null, startAt: '2030-01-02T15:00:00.000Z' });
    expect(richOf({ extendedTextMessage: { text: 'x https://a.example', matchedText: 'https://a.example', title: 'A', contextInfo: { mentionedJid: ['1@s.whatsapp.net'] } } })).toEqual({
      linkPreview: { url: 'https://a.example', title: 'A', description: null },
    });
    expect(mentionsOf({ mentionedJid: ['1@s.whatsapp.net', ''] })).toEqual(['1@s.whatsapp.net']);
    expect(readableOf(richOf({ contactsArrayMessage: { contacts: [{ displayName: 'A', vcard: 'BEGIN:VCARD\nEND:VCARD' }, { vcard: 'BEGIN:VCARD\nTEL;waid=123456:+123456\nEND:VCARD' }] } }))).toBe('A, 123456');
  });
});

describe('decryptVote', () => {
  /** A vote as a phone encrypts it (WA-PROTOCOL-3 §8c). */
  function encrypt(chosen: string[], secret: Buffer, pollId: string, creator: string, voter: string) {
    const plain = proto.Message.PollVoteMessage.encode({ selectedOptions: chosen.map((o) => createHash('sha256').update(o).digest()) }).finish();
    const key0 = createHmac('sha256', Buffer.alloc(32)).update(secret).digest();
    const key = createHmac('sha256', key0).update(Buffer.concat([Buffer.from(pollId + creator + voter + 'Poll Vote'), Buffer.from([1])])).digest();
    const iv = Buffer.alloc(12, 7);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(`${pollId}\u0000${voter}`));
    const enc = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { pollId, encPayload: enc.toString('base64'), encIv: iv.toString('base64'), votedAtMs: 1, voterJids: [] };
  }

  it('opens a vote with whichever PN/LID jids it was signed with, and maps hashes back to names', () => {
    const secret = Buffer.alloc(32, 3);
    const raw = Buffer.from(proto.WebMessageInfo.encode({
      key: { remoteJid: '111@s.whatsapp.net', fromMe: false, id: 'POLL1' },
      message: { pollCreationMessageV3: { name: 'Q', options: [{ optionName: 'a' }, { optionName: 'b' }] }, messageContextInfo: { messageSecret: secret } },
    }).finish());
    const poll = pollOfRaw(raw, ['999@s.whatsapp.net'], ['111@s.whatsapp.net', '222@lid'])!;
    expect(poll.creatorJids).toEqual(['111@s.whatsapp.net', '222@lid']);
    const vote = encrypt(['b'], secret, 'POLL1', '222@lid', '222@lid');
    expect(decryptVote(poll, vote, ['111@s.whatsapp.net', '222@lid'])).toEqual(['b']);
    expect(decryptVote(poll, vote, ['333@s.whatsapp.net'])).toBeUndefined();
  });
});
