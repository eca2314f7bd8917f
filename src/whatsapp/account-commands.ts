/**
 * What a session asks of WhatsApp about accounts rather than conversations: number checks,
 * profiles (its own and its contacts'), the blocklist and presence subscriptions, each call under
 * a deadline. Jids in and out are bare (`digits@s.whatsapp.net`, `digits@lid`).
 */
import type { ChatModification, WASocket } from '@whiskeysockets/baileys';
import { withTimeout } from './timeout.js';

export interface NumberCheck {
  phone: string;
  exists: boolean;
  jid: string | null;
  lid: string | null;
}

export interface ContactProfile {
  about: string | null;
  pictureUrl: string | null;
  isBusiness: boolean;
}

export type ChatChange = { archived: boolean } | { pinned: boolean } | { mutedUntil: number | null } | { unread: boolean } | { deleted: true };

/** The chat's latest message (WhatsApp wants it with archive, read/unread and delete). */
export interface LastMessage {
  remoteJid: string;
  id: string;
  fromMe: boolean;
  participant: string | null;
  timestamp: number;
}

/** WhatsApp answers "no picture" (404) or "not allowed to see it" (401/403) with an error. */
const NO_PICTURE = new Set([401, 403, 404]);

export class AccountCommands {
  constructor(
    private readonly socket: WASocket,
    private readonly timeoutMs: number,
  ) {}

  /** Whether each phone (digits) is on WhatsApp, with its PN jid and LID when it is. */
  async checkNumbers(phones: string[]): Promise<NumberCheck[]> {
    const found = (await withTimeout(this.socket.onWhatsApp(...phones.map((p) => `${p}@s.whatsapp.net`)), this.timeoutMs, 'number check')) ?? [];
    const byPhone = new Map(found.filter((f) => f.exists).map((f) => [f.jid.split('@')[0]!.split(':')[0]!, f.jid]));
    const out: NumberCheck[] = [];
    for (const phone of phones) {
      const jid = byPhone.get(phone);
      if (!jid) {
        out.push({ phone, exists: false, jid: null, lid: null });
        continue;
      }
      const lid = await withTimeout(this.socket.signalRepository.lidMapping.getLIDForPN(jid), this.timeoutMs, 'lid lookup').catch(() => null);
      out.push({ phone, exists: true, jid, lid: lid ? lid.replace(/:\d+@/, '@') : null });
    }
    return out;
  }

  /** A user's about text, full-size picture URL and whether it is a business account. */
  async profile(jid: string): Promise<ContactProfile> {
    const [about, pictureUrl, isBusiness] = await Promise.all([this.about(jid), this.pictureUrl(jid), this.isBusiness(jid)]);
    return { about, pictureUrl, isBusiness };
  }

  async pictureUrl(jid: string): Promise<string | null> {
    try {
      return (await this.socket.profilePictureUrl(jid, 'image', this.timeoutMs)) ?? null;
    } catch (err) {
      if (NO_PICTURE.has(errorCode(err))) return null;
      throw err;
    }
  }

  async about(jid: string): Promise<string | null> {
    const list = await withTimeout(this.socket.fetchStatus(jid), this.timeoutMs, 'about');
    const entry = (list ?? [])[0] as { status?: { status?: string | null } } | undefined;
    const text = entry?.status?.status;
    return typeof text === 'string' && text !== '' ? text : null;
  }

  /** A business profile answers; a personal account (or a server without them) does not. */
  private async isBusiness(jid: string): Promise<boolean> {
    try {
      const profile = await withTimeout(this.socket.getBusinessProfile(jid), this.timeoutMs, 'business profile');
      return Boolean(profile);
    } catch {
      return false;
    }
  }

  /** The blocked contacts, each as its LID and (when known) its PN jid. */
  async blocklist(): Promise<Array<{ lid: string | null; pn: string | null }>> {
    const jids = (await withTimeout(this.socket.fetchBlocklist(), this.timeoutMs, 'blocklist')).filter((j): j is string => typeof j === 'string').map(bare);
    const lids = jids.filter((j) => j.endsWith('@lid'));
    const pairs = lids.length > 0 ? ((await this.socket.signalRepository.lidMapping.getPNsForLIDs(lids).catch(() => null)) ?? []) : [];
    const pnOf = new Map(pairs.map((p) => [bare(p.lid), bare(p.pn)]));
    return jids.map((j) => (j.endsWith('@lid') ? { lid: j, pn: pnOf.get(j) ?? null } : { lid: null, pn: j }));
  }

  /** The PN jid of a LID, when this device knows the mapping. */
  async pnOf(lid: string): Promise<string | null> {
    const pn = await this.socket.signalRepository.lidMapping.getPNForLID(lid).catch(() => null);
    return pn ? bare(pn) : null;
  }

  /** Blocks or unblocks a contact (WhatsApp addresses it by LID; Baileys resolves it from the PN). */
  async setBlocked(jid: string, blocked: boolean): Promise<void> {
    try {
      await withTimeout(this.socket.updateBlockStatus(jid, blocked ? 'block' : 'unblock'), this.timeoutMs, blocked ? 'block' : 'unblock');
    } catch (err) {
      if (errorCode(err) === 400 || (err as { output?: { statusCode?: number } })?.output?.statusCode === 400) throw new UnresolvableContactError((err as Error).message);
      throw err;
    }
  }

  /** Rejects a ringing call (WhatsApp acks it at once; the caller sees it declined). */
  async rejectCall(callId: string, from: string): Promise<void> {
    await withTimeout(this.socket.rejectCall(callId, from), this.timeoutMs, 'call reject');
  }

  /** Subscribes to a contact's presence: it then arrives as presence updates. */
  async subscribePresence(jid: string): Promise<void> {
    await withTimeout(this.socket.presenceSubscribe(jid), this.timeoutMs, 'presence subscribe');
  }

  /** Archive, pin, mute, mark read/unread or delete a chat on every device of the account (app state). */
  async modifyChat(jid: string, change: ChatChange, last: LastMessage | null): Promise<void> {
    const lastMessages = last ? [{ key: { remoteJid: last.remoteJid, id: last.id, fromMe: last.fromMe, ...(last.participant ? { participant: last.participant } : {}) }, messageTimestamp: last.timestamp }] : [];
    let mod: ChatModification;
    if ('archived' in change) mod = { archive: change.archived, lastMessages };
    else if ('pinned' in change) mod = { pin: change.pinned };
    else if ('mutedUntil' in change) mod = { mute: change.mutedUntil === null ? null : change.mutedUntil * 1000 };
    else if ('unread' in change) mod = { markRead: !change.unread, lastMessages };
    else mod = { delete: true, lastMessages };
    await withTimeout(this.socket.chatModify(mod, jid), this.timeoutMs, 'chat modification');
  }

  async setName(name: string): Promise<void> {
    await withTimeout(this.socket.updateProfileName(name), this.timeoutMs, 'profile name');
  }

  async setAbout(text: string): Promise<void> {
    await withTimeout(this.socket.updateProfileStatus(text), this.timeoutMs, 'about');
  }

  /** The account's own picture: Baileys crops and scales the image to a 640×640 JPEG. */
  async setOwnPicture(ownJid: string, image: Buffer): Promise<void> {
    await withTimeout(this.socket.updateProfilePicture(ownJid, image), this.timeoutMs, 'profile picture');
  }

  async removeOwnPicture(ownJid: string): Promise<void> {
    await withTimeout(this.socket.removeProfilePicture(ownJid), this.timeoutMs, 'profile picture');
  }
}

/** WhatsApp cannot address the contact (no LID known or found for a number, no number for a LID). */
export class UnresolvableContactError extends Error {}

const bare = (jid: string): string => jid.replace(/:\d+@/, '@');

function errorCode(err: unknown): number {
  const e = err as { data?: unknown; output?: { statusCode?: number } } | undefined;
  if (typeof e?.data === 'number') return e.data;
  return e?.output?.statusCode ?? 0;
}
