/**
 * The kinds a session sends besides text and media: locations, contact cards, polls (Baileys'
 * content keys) and poll votes (which Baileys cannot build: encrypted here as a phone does,
 * WA-PROTOCOL-3 §8c). Pure functions.
 */
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { jidNormalizedUser, proto, type AnyMessageContent } from '@whiskeysockets/baileys';
import { parseVcard, pollOfRaw } from './message-kinds.js';

export interface OutgoingKind {
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contacts?: Array<{ phone?: string; displayName?: string; vcard?: string }>;
  poll?: { name: string; options: string[]; selectableCount?: number };
}

/** A vCard for a number, as phones write it (`waid` makes WhatsApp offer to message it). */
export function vcardOf(phone: string, displayName?: string): string {
  const name = displayName ?? `+${phone}`;
  return `BEGIN:VCARD\nVERSION:3.0\nFN:${name.replace(/[\r\n]/g, ' ')}\nTEL;type=CELL;waid=${phone}:+${phone}\nEND:VCARD`;
}

const fnOf = (vcard: string): string | undefined => parseVcard(vcard).displayName ?? undefined;

export function kindContent(kind: OutgoingKind): AnyMessageContent | undefined {
  if (kind.location) {
    const l = kind.location;
    return { location: { degreesLatitude: l.latitude, degreesLongitude: l.longitude, ...(l.name ? { name: l.name } : {}), ...(l.address ? { address: l.address } : {}) } };
  }
  if (kind.contacts) {
    const cards = kind.contacts.map((c) => {
      const vcard = c.vcard ?? vcardOf(c.phone!, c.displayName);
      return { displayName: c.displayName ?? fnOf(vcard) ?? (c.phone ? `+${c.phone}` : 'Contact'), vcard };
    });
    return { contacts: { displayName: cards.length === 1 ? cards[0]!.displayName : `${cards.length} contacts`, contacts: cards } };
  }
  if (kind.poll) return { poll: { name: kind.poll.name, values: kind.poll.options, selectableCount: kind.poll.selectableCount ?? 1 } };
  return undefined;
}

export class PollVoteError extends Error {
  constructor(readonly reason: 'not_a_poll' | 'unknown_option' | 'too_many_options', message: string) {
    super(message);
  }
}

/**
 * Our vote on a stored poll: `pollUpdateMessage` with the chosen options' hashes encrypted under
 * HKDF(poll secret, pollId ‖ creator ‖ voter ‖ "Poll Vote"), creator and voter as PN jids.
 */
export function voteMessage(pollRaw: Buffer, options: string[], ownJid: string): proto.IMessage {
  const msg = proto.WebMessageInfo.decode(pollRaw);
  const own = jidNormalizedUser(ownJid);
  const poll = pollOfRaw(pollRaw, [own], []);
  if (!poll || !msg.key?.id) throw new PollVoteError('not_a_poll', 'The message is not a poll');
  const unknown = options.filter((o) => !poll.options.includes(o));
  if (unknown.length > 0) throw new PollVoteError('unknown_option', `Not options of this poll: ${unknown.join(', ')}`);
  if (poll.selectableCount > 0 && options.length > poll.selectableCount) {
    throw new PollVoteError('too_many_options', `This poll allows ${poll.selectableCount} option${poll.selectableCount === 1 ? '' : 's'} at most`);
  }
  const creator = msg.key.fromMe ? own : jidNormalizedUser(msg.key.participant || msg.key.remoteJid || '');
  const pollId = msg.key.id;
  const plain = proto.Message.PollVoteMessage.encode({ selectedOptions: options.map((o) => createHash('sha256').update(o, 'utf8').digest()) }).finish();
  const key0 = createHmac('sha256', Buffer.alloc(32)).update(poll.secret).digest();
  const key = createHmac('sha256', key0).update(Buffer.concat([Buffer.from(pollId + creator + own + 'Poll Vote'), Buffer.from([1])])).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(`${pollId}\u0000${own}`));
  const encPayload = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    pollUpdateMessage: {
      pollCreationMessageKey: { remoteJid: msg.key.remoteJid, fromMe: msg.key.fromMe, id: pollId, ...(msg.key.participant ? { participant: msg.key.participant } : {}) },
      vote: { encPayload, encIv: iv },
      senderTimestampMs: Date.now(),
    },
  };
}
