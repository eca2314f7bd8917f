/**
 * The rest of the message vocabulary both ways (WA-PROTOCOL-3 §8): locations and live locations,
 * contact cards and card arrays, polls (V3 with a `messageSecret`) and their encrypted votes, texts
 * with a link preview, and event messages. A contact builds them here; what a session sends is
 * decoded here into the contact's inbox, poll votes decrypted.
 *
 * Poll vote jids (HKDF input and GCM AAD, byte for byte): the simulated contact signs with the jids
 * the chat is addressed by: PN addressing (default) → the poll creator's and the voter's
 * `<digits>@s.whatsapp.net`; LID addressing → both `<lid>@lid`. Votes a session sends are tried
 * with PN and LID forms of both (at most four attempts), as a phone must.
 */
import { randomBytes } from 'node:crypto';
import { aesEncryptGCM, decryptPollVote, hmacSign, proto } from '@whiskeysockets/baileys';
import { createHash } from 'node:crypto';

export interface KindLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
  url?: string;
  /** A live location (liveLocationMessage) instead of a pinned one. */
  live?: boolean;
}
/** A card from a phone number (a vCard is built) or a ready vCard. */
export type KindContactCard = { phone: string; displayName?: string } | { vcard: string; displayName?: string };
export interface KindPoll {
  name: string;
  options: string[];
  /** How many options a voter may pick (default 1). */
  selectableCount?: number;
}
export interface KindLinkPreview {
  url: string;
  title: string;
  description?: string;
}
export interface KindEvent {
  name: string;
  description?: string;
  /** Start, ms since the epoch. */
  startAt: number;
}

/** What a contact message may carry besides text and media. */
export interface RichContent {
  location?: KindLocation;
  contacts?: KindContactCard[];
  poll?: KindPoll;
  /** With `text`: the text's link preview (the url should appear in the text). */
  linkPreview?: KindLinkPreview;
  event?: KindEvent;
}

export interface BuiltMessage {
  message: proto.IMessage;
  stanzaType: 'text' | 'media' | 'poll' | 'event';
  mediatype?: string;
}

/** Decoded fields of the rich kinds (a contact's inbox). */
export interface DecodedRich {
  location?: KindLocation;
  contacts?: { displayName: string; vcard: string }[];
  poll?: { name: string; options: string[]; selectableCount: number; version: number };
  vote?: { pollMessageId: string; options: string[]; error?: string };
  linkPreview?: { url: string; title?: string; description?: string };
  event?: { name: string; description?: string; startAt: number };
}

export function vcardOf(card: KindContactCard): { displayName: string; vcard: string } {
  if ('vcard' in card) return { displayName: card.displayName ?? /\nFN:([^\r\n]*)/.exec(card.vcard)?.[1] ?? 'Contact', vcard: card.vcard };
  const digits = card.phone.replace(/\D/g, '');
  const name = card.displayName ?? `+${digits}`;
  return { displayName: name, vcard: `BEGIN:VCARD\nVERSION:3.0\nFN:${name}\nTEL;type=CELL;waid=${digits}:+${digits}\nEND:VCARD` };
}

/** The message for a rich content (undefined when it has none); `text` goes with `linkPreview`. */
export function buildRichMessage(content: RichContent & { text?: string }, contextInfo: proto.IContextInfo | undefined): BuiltMessage | undefined {
  const secret = (): proto.IMessageContextInfo => ({ messageSecret: randomBytes(32) });
  if (content.location) {
    const l = content.location;
    const fields = { degreesLatitude: l.latitude, degreesLongitude: l.longitude, contextInfo };
    if (l.live) return { message: { liveLocationMessage: { ...fields, caption: l.name, sequenceNumber: Date.now() } }, stanzaType: 'media', mediatype: 'livelocation' };
    return { message: { locationMessage: { ...fields, name: l.name, address: l.address, url: l.url } }, stanzaType: 'text' };
  }
  if (content.contacts) {
    const cards = content.contacts.map(vcardOf);
    if (cards.length === 1) return { message: { contactMessage: { ...cards[0], contextInfo } }, stanzaType: 'media', mediatype: 'vcard' };
    return { message: { contactsArrayMessage: { displayName: `${cards.length} contacts`, contacts: cards, contextInfo } }, stanzaType: 'media', mediatype: 'contact_array' };
  }
  if (content.poll) {
    const p = content.poll;
    const pollCreationMessageV3 = { name: p.name, options: p.options.map((optionName) => ({ optionName })), selectableOptionsCount: p.selectableCount ?? 1, contextInfo };
    return { message: { pollCreationMessageV3, messageContextInfo: secret() }, stanzaType: 'poll' };
  }
  if (content.event) {
    const e = content.event;
    const eventMessage = { name: e.name, description: e.description, startTime: Math.floor(e.startAt / 1000), isCanceled: false, contextInfo };
    return { message: { eventMessage, messageContextInfo: secret() }, stanzaType: 'event' };
  }
  if (content.linkPreview) {
    const lp = content.linkPreview;
    const text = content.text ?? lp.url;
    return {
      message: { extendedTextMessage: { text, matchedText: lp.url, title: lp.title, description: lp.description, previewType: proto.Message.ExtendedTextMessage.PreviewType.NONE, contextInfo } },
      stanzaType: 'text',
    };
  }
  return undefined;
}

/** The poll of a creation message (any version), with its secret. */
export function pollOf(message: proto.IMessage | undefined): { name: string; options: string[]; selectableCount: number; version: number; secret?: Uint8Array } | undefined {
  if (!message) return undefined;
  const versions: [proto.Message.IPollCreationMessage | null | undefined, number][] = [
    [message.pollCreationMessageV3, 3],
    [message.pollCreationMessageV2, 2],
    [message.pollCreationMessage, 1],
  ];
  for (const [poll, version] of versions) {
    if (!poll) continue;
    return {
      name: poll.name ?? '',
      options: (poll.options ?? []).map((o) => o.optionName ?? ''),
      selectableCount: poll.selectableOptionsCount ?? 0,
      version,
      secret: message.messageContextInfo?.messageSecret ?? undefined,
    };
  }
  return undefined;
}

const optionHash = (name: string): Buffer => createHash('sha256').update(Buffer.from(name, 'utf8')).digest();

/** A vote, encrypted as a phone does (Baileys' `decryptPollVote` reverses it). */
export function encryptPollVote(
  options: string[],
  ctx: { secret: Uint8Array; pollMsgId: string; pollCreatorJid: string; voterJid: string },
): proto.Message.IPollEncValue {
  const plain = proto.Message.PollVoteMessage.encode({ selectedOptions: options.map(optionHash) }).finish();
  const sign = Buffer.concat([Buffer.from(ctx.pollMsgId), Buffer.from(ctx.pollCreatorJid), Buffer.from(ctx.voterJid), Buffer.from('Poll Vote'), Buffer.from([1])]);
  const key = hmacSign(sign, hmacSign(Buffer.from(ctx.secret), new Uint8Array(32), 'sha256'), 'sha256');
  const iv = randomBytes(12);
  const encPayload = aesEncryptGCM(plain, key, iv, Buffer.from(`${ctx.pollMsgId}\u0000${ctx.voterJid}`));
  return { encPayload, encIv: iv };
}

/** A contact's vote message on a poll (`creatorIsContact`: the contact's own poll). */
export function buildVoteMessage(
  poll: { id: string; chatJid: string; fromMe: boolean; secret: Uint8Array; options: string[] },
  chosen: string[],
  jids: { creator: string; voter: string },
): proto.IMessage {
  const unknown = chosen.filter((o) => !poll.options.includes(o));
  if (unknown.length > 0) throw new Error(`not options of this poll: ${unknown.join(', ')}`);
  const vote = encryptPollVote(chosen, { secret: poll.secret, pollMsgId: poll.id, pollCreatorJid: jids.creator, voterJid: jids.voter });
  return {
    pollUpdateMessage: {
      pollCreationMessageKey: { remoteJid: poll.chatJid, fromMe: poll.fromMe, id: poll.id },
      vote,
      senderTimestampMs: Date.now(),
    },
  };
}

/** Decrypts a session's vote with each PN/LID form of creator and voter until one fits. */
export function decryptVote(
  update: proto.Message.IPollUpdateMessage,
  poll: { options: string[]; secret?: Uint8Array } | undefined,
  creators: string[],
  voters: string[],
): { pollMessageId: string; options: string[]; error?: string } {
  const pollMessageId = update.pollCreationMessageKey?.id ?? '';
  if (!poll?.secret) return { pollMessageId, options: [], error: 'the poll is unknown to the contact' };
  if (!update.vote?.encPayload || !update.vote.encIv) return { pollMessageId, options: [], error: 'the vote has no payload' };
  const byHash = new Map(poll.options.map((o) => [optionHash(o).toString('hex'), o]));
  for (const pollCreatorJid of creators) {
    for (const voterJid of voters) {
      try {
        const vote = decryptPollVote(update.vote, { pollEncKey: poll.secret, pollCreatorJid, pollMsgId: pollMessageId, voterJid });
        return { pollMessageId, options: (vote.selectedOptions ?? []).map((h) => byHash.get(Buffer.from(h).toString('hex')) ?? Buffer.from(h).toString('hex')) };
      } catch {
        // another jid form
      }
    }
  }
  return { pollMessageId, options: [], error: 'the vote could not be decrypted with the PN or LID jids of creator and voter' };
}

/** The rich kind of a message a session sent, if it is one; fields for the contact's inbox. */
export function decodeRich(m: proto.IMessage): { kind: 'location' | 'contacts' | 'poll' | 'vote' | 'event' | 'text'; fields: DecodedRich } | undefined {
  const loc = m.locationMessage ?? m.liveLocationMessage;
  if (loc) {
    const l = loc as proto.Message.ILocationMessage;
    const location: KindLocation = { latitude: l.degreesLatitude ?? 0, longitude: l.degreesLongitude ?? 0, live: !!m.liveLocationMessage };
    if (l.name) location.name = l.name;
    if (l.address) location.address = l.address;
    if (l.url) location.url = l.url;
    if (m.liveLocationMessage?.caption) location.name = m.liveLocationMessage.caption;
    return { kind: 'location', fields: { location } };
  }
  if (m.contactMessage) return { kind: 'contacts', fields: { contacts: [{ displayName: m.contactMessage.displayName ?? '', vcard: m.contactMessage.vcard ?? '' }] } };
  if (m.contactsArrayMessage) {
    return { kind: 'contacts', fields: { contacts: (m.contactsArrayMessage.contacts ?? []).map((c) => ({ displayName: c.displayName ?? '', vcard: c.vcard ?? '' })) } };
  }
  const poll = pollOf(m);
  if (poll) return { kind: 'poll', fields: { poll: { name: poll.name, options: poll.options, selectableCount: poll.selectableCount, version: poll.version } } };
  if (m.pollUpdateMessage) return { kind: 'vote', fields: { vote: { pollMessageId: m.pollUpdateMessage.pollCreationMessageKey?.id ?? '', options: [] } } };
  if (m.eventMessage) {
    const e = m.eventMessage;
    return { kind: 'event', fields: { event: { name: e.name ?? '', description: e.description ?? undefined, startAt: Number(e.startTime ?? 0) * 1000 } } };
  }
  const t = m.extendedTextMessage;
  if (t?.matchedText) return { kind: 'text', fields: { linkPreview: { url: t.matchedText, title: t.title ?? undefined, description: t.description ?? undefined } } };
  return undefined;
}
