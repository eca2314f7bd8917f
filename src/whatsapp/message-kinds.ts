/**
 * The rich kinds of a message (location, contact cards, poll, link preview, event, mentions) and
 * poll votes, decoded from Baileys' protos into Baileys-free records. Pure functions, no I/O.
 */
import { createHash } from 'node:crypto';
import { decryptPollVote, jidNormalizedUser, normalizeMessageContent, proto, type WAMessage } from '@whiskeysockets/baileys';
import type { WaContactCard, WaPollVote, WaRichContent } from './conversation-types.js';

const str = (v: string | null | undefined): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const b64 = (v: Uint8Array | string | null | undefined): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : Buffer.from(v).toString('base64');

/** The vCard's formatted name and its phone numbers (digits, `waid` first when given). */
export function parseVcard(vcard: string, displayName?: string | null): WaContactCard {
  const lines = vcard.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  let fn: string | null = null;
  const phones: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon).toUpperCase();
    const value = line.slice(colon + 1).trim();
    if (head === 'FN' || head.startsWith('FN;')) fn = value || fn;
    if (head === 'TEL' || head.startsWith('TEL;') || /^ITEM\d+\.TEL/.test(head)) {
      const waid = /WAID=(\d+)/.exec(head)?.[1];
      const digits = waid ?? value.replace(/\D/g, '');
      if (digits && !phones.includes(digits)) phones.push(digits);
    }
  }
  return { displayName: str(displayName) ?? fn, vcard, phones };
}

function optionNames(poll: proto.Message.IPollCreationMessage): string[] {
  return (poll.options ?? []).map((o) => o.optionName ?? '');
}

/** What a message carries beyond text and media; null when nothing. */
export function richOf(content: proto.IMessage | undefined | null): WaRichContent | null {
  if (!content) return null;
  const out: WaRichContent = {};
  const loc = content.locationMessage;
  const live = content.liveLocationMessage;
  if (loc) {
    out.location = { latitude: loc.degreesLatitude ?? 0, longitude: loc.degreesLongitude ?? 0, name: str(loc.name), address: str(loc.address), url: str(loc.url), live: Boolean(loc.isLive) };
  } else if (live) {
    out.location = { latitude: live.degreesLatitude ?? 0, longitude: live.degreesLongitude ?? 0, name: str(live.caption), address: null, url: null, live: true };
  }
  if (content.contactMessage) out.contacts = [parseVcard(content.contactMessage.vcard ?? '', content.contactMessage.displayName)];
  if (content.contactsArrayMessage) out.contacts = (content.contactsArrayMessage.contacts ?? []).map((c) => parseVcard(c.vcard ?? '', c.displayName));
  const poll = content.pollCreationMessage ?? content.pollCreationMessageV2 ?? content.pollCreationMessageV3;
  if (poll) out.poll = { name: poll.name ?? '', selectableCount: poll.selectableOptionsCount || 0, options: optionNames(poll) };
  const ext = content.extendedTextMessage;
  if (ext?.matchedText && (ext.title || ext.description)) {
    out.linkPreview = { url: ext.matchedText, title: str(ext.title), description: str(ext.description) };
  }
  const ev = content.eventMessage;
  if (ev) {
    const start = ev.startTime === null || ev.startTime === undefined ? null : Number(String(ev.startTime));
    out.event = { name: ev.name ?? '', description: str(ev.description), startAt: start ? new Date(start * 1000).toISOString() : null };
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** A readable text for a message without one (seed 001's `message_content`, chat previews). */
export function readableOf(rich: WaRichContent | null): string | null {
  if (!rich) return null;
  if (rich.location) {
    const l = rich.location;
    return [l.name, l.address].filter(Boolean).join(', ') || `${l.latitude},${l.longitude}`;
  }
  if (rich.contacts) return rich.contacts.map((c) => c.displayName ?? c.phones[0] ?? 'contact').join(', ');
  if (rich.poll) return rich.poll.name;
  if (rich.event) return rich.event.name;
  return null;
}

const bare = (jid: string | null | undefined): string | null => (jid ? jidNormalizedUser(jid) || null : null);

/** The encrypted vote of a pollUpdateMessage, with the jids its voter may have signed with. */
export function pollVoteOf(msg: WAMessage, content: proto.IMessage | undefined | null): WaPollVote | null {
  const update = content?.pollUpdateMessage;
  const pollKey = update?.pollCreationMessageKey;
  if (!update || !pollKey?.id || !update.vote?.encPayload || !update.vote.encIv) return null;
  const k = msg.key;
  const voters = k.fromMe ? [] : [k.participant, k.participantAlt, k.remoteJid, k.remoteJidAlt].map(bare).filter((j): j is string => j !== null && !j.endsWith('@g.us'));
  return {
    pollId: pollKey.id,
    encPayload: b64(update.vote.encPayload)!,
    encIv: b64(update.vote.encIv)!,
    votedAtMs: update.senderTimestampMs === null || update.senderTimestampMs === undefined ? Number(String(msg.messageTimestamp ?? 0)) * 1000 : Number(String(update.senderTimestampMs)),
    voterJids: [...new Set(voters)],
  };
}

/**
 * The poll a stored raw WebMessageInfo holds: its option names, secret and the jids its author may
 * have signed with (ours when we made it; else its key's, plus the chat's other addresses); undefined if it is no poll.
 */
export function pollOfRaw(raw: Buffer, ownJids: string[], chatJids: string[]): { options: string[]; selectableCount: number; secret: Uint8Array; creatorJids: string[] } | undefined {
  const msg = proto.WebMessageInfo.decode(raw);
  const content = normalizeMessageContent(msg.message);
  const poll = content?.pollCreationMessage ?? content?.pollCreationMessageV2 ?? content?.pollCreationMessageV3;
  const secret = content?.messageContextInfo?.messageSecret ?? msg.message?.messageContextInfo?.messageSecret;
  if (!poll || !secret || secret.length === 0) return undefined;
  const k = msg.key;
  const creators = k?.fromMe ? ownJids : [k?.participant, k?.remoteJid, ...chatJids].map(bare).filter((j): j is string => j !== null && !j.endsWith('@g.us'));
  return { options: optionNames(poll), selectableCount: poll.selectableOptionsCount || 0, secret, creatorJids: [...new Set(creators)] };
}

/**
 * The option names a vote chose, decrypted with the poll's secret; the creator and voter jids are
 * HKDF input and GCM associated data, so every PN/LID pairing is tried (at most a few). Undefined
 * when none opens it.
 */
export function decryptVote(poll: { options: string[]; secret: Uint8Array; creatorJids: string[] }, vote: WaPollVote, voterJids: string[]): string[] | undefined {
  const byHash = new Map(poll.options.map((name) => [createHash('sha256').update(name, 'utf8').digest('hex'), name]));
  for (const creator of poll.creatorJids) {
    for (const voter of voterJids) {
      try {
        const opened = decryptPollVote(
          { encPayload: Buffer.from(vote.encPayload, 'base64'), encIv: Buffer.from(vote.encIv, 'base64') },
          { pollCreatorJid: creator, pollMsgId: vote.pollId, pollEncKey: poll.secret, voterJid: voter },
        );
        return (opened.selectedOptions ?? []).map((h) => byHash.get(Buffer.from(h).toString('hex'))).filter((n): n is string => n !== undefined);
      } catch {
        // Not this pairing of jids.
      }
    }
  }
  return undefined;
}

/** The jids a message's context mentions (groups, and 1:1 too). */
export function mentionsOf(contextInfo: proto.IContextInfo | null | undefined): string[] {
  return (contextInfo?.mentionedJid ?? []).filter((j): j is string => typeof j === 'string' && j.length > 0);
}

/** The rich kinds and mentions of a stored raw WebMessageInfo (rows stored before `rich` and `mentions` existed). */
export function kindsOfRaw(raw: Buffer): { rich: WaRichContent | null; mentions: string[] } {
  try {
    const content = normalizeMessageContent(proto.WebMessageInfo.decode(raw).message);
    if (!content) return { rich: null, mentions: [] };
    const inner = Object.values(content).find((v): v is { contextInfo?: proto.IContextInfo | null } => typeof v === 'object' && v !== null && 'contextInfo' in v);
    return { rich: richOf(content), mentions: mentionsOf(inner?.contextInfo) };
  } catch {
    return { rich: null, mentions: [] };
  }
}
