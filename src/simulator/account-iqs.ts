/**
 * The account's own queries besides messaging (WA-PROTOCOL-3 §3–§6): number checks (usync
 * `contact`: accounts and contacts the simulator knows are on WhatsApp, any other number is not),
 * profile pictures (get / set / remove, served by the media host) and about texts (usync `status`,
 * `status` set), the blocklist (get / set, each change told to every device of the account with an
 * `account_sync` notification), and presence subscriptions (answered with the contact's last
 * presence). Profiles, blocklists and presences live in memory (a restart forgets them).
 */
import { randomBytes } from 'node:crypto';
import { bytes, child, childrenByTag, iqError, iqResult, node, unixSeconds, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimContact } from './contacts.js';
import type { ResolvedUser, SimulatorCore } from './core.js';

export const DEFAULT_ABOUT = 'Hey there! I am using WhatsApp.';

interface Profile {
  about?: string;
  aboutAt?: number;
  picture?: { id: string; url: string; directPath: string; bytes: Buffer };
}

export interface ProfileView {
  about: string;
  aboutAt?: number;
  picture?: { id: string; url: string; size: number };
}

export class AccountIqs {
  private readonly profiles = new Map<string, Profile>();
  private readonly blocklists = new Map<string, Set<string>>();
  private readonly presences = new Map<string, { type: 'available' | 'unavailable'; at: number }>();
  /** Per contact: the connections subscribed to its presence. */
  private readonly subscribers = new Map<string, Set<SimConnection>>();

  constructor(private readonly core: SimulatorCore) {}

  // ------------------------------------------------------------------ profiles

  private userOf(resolved: ResolvedUser): string {
    return resolved.kind === 'account' ? resolved.account.phoneNumber : resolved.contact.phoneNumber;
  }

  profile(phone: string): ProfileView {
    const p = this.profiles.get(phone);
    return { about: p?.about ?? DEFAULT_ABOUT, aboutAt: p?.aboutAt, picture: p?.picture && { id: p.picture.id, url: p.picture.url, size: p.picture.bytes.length } };
  }

  setAbout(phone: string, about: string): void {
    this.profiles.set(phone, { ...this.profiles.get(phone), about, aboutAt: Date.now() });
  }

  /** Sets (bytes) or removes (undefined) a user's picture; returns its id. */
  setPicture(phone: string, picture: Buffer | undefined): string | undefined {
    const profile = { ...this.profiles.get(phone) };
    if (!picture) delete profile.picture;
    else {
      const id = String(Math.floor(Date.now() / 1000)) + randomBytes(2).readUInt16BE(0);
      const stored = this.core.mediaHost?.store(picture) ?? { url: `https://pps.whatsapp.invalid/v/${id}.jpg`, directPath: `/v/${id}.jpg` };
      profile.picture = { id, url: stored.url, directPath: stored.directPath, bytes: picture };
    }
    this.profiles.set(phone, profile);
    return profile.picture?.id;
  }

  /** `w:profile:picture`: get (the url, or 404), set and remove (own picture; another target is refused). */
  handlePictureIq(conn: SimConnection, iq: BinaryNode): void {
    const own = conn.device!.phoneNumber;
    const target = iq.attrs.target;
    if (iq.attrs.type === 'get') {
      const who = target ? this.core.resolveUser(target, false) : this.core.resolveUser(`${own}@s.whatsapp.net`, false);
      const picture = who && this.profiles.get(this.userOf(who))?.picture;
      if (!picture) return conn.send(iqError(iq, 404, 'item-not-found'));
      const type = child(iq, 'picture')?.attrs.type ?? 'preview';
      return conn.send(iqResult(iq, [node('picture', { id: picture.id, type, url: picture.url, direct_path: picture.directPath })]));
    }
    const targetUser = target ? this.core.resolveUser(target, false) : undefined;
    if (target && !(targetUser?.kind === 'account' && targetUser.account.phoneNumber === own)) return conn.send(iqError(iq, 403, 'forbidden'));
    const id = this.setPicture(own, bytes(child(iq, 'picture')));
    conn.send(iqResult(iq, id ? [node('picture', { id })] : undefined));
    const change = node('notification', { from: `${own}@s.whatsapp.net`, type: 'picture', id: randomBytes(8).toString('hex').toUpperCase(), t: unixSeconds() }, [
      id ? node('set', { jid: `${own}@s.whatsapp.net`, id, author: `${own}@s.whatsapp.net` }) : node('delete', { jid: `${own}@s.whatsapp.net` }),
    ]);
    for (const c of this.core.connectionsOf(own)) if (c !== conn) c.send(change);
    this.core.events.emit('profile', { phoneNumber: own, picture: id ?? null });
  }

  /** `status` set: the account's about text. */
  handleStatusIq(conn: SimConnection, iq: BinaryNode): void {
    const text = bytes(child(iq, 'status'))?.toString('utf8');
    if (iq.attrs.type === 'set' && text !== undefined) {
      this.setAbout(conn.device!.phoneNumber, text);
      this.core.events.emit('profile', { phoneNumber: conn.device!.phoneNumber, about: text });
    }
    conn.send(iqResult(iq));
  }

  /** usync `contact`: 'in' for the simulator's accounts and contacts, 'out' for any other number. */
  contactNode(resolved: ResolvedUser | undefined): BinaryNode {
    return node('contact', { type: resolved ? 'in' : 'out' });
  }

  /** usync `status`: the user's about and when it was set. */
  statusNode(resolved: ResolvedUser | undefined): BinaryNode {
    const p = resolved ? this.profiles.get(this.userOf(resolved)) : undefined;
    return node('status', { t: unixSeconds(p?.aboutAt) }, Buffer.from(p?.about ?? DEFAULT_ABOUT));
  }

  // ------------------------------------------------------------------ blocklist

  blocklist(phone: string): string[] {
    return [...(this.blocklists.get(phone) ?? [])];
  }

  /** `blocklist` get (the list) and set (`<item action jid pn_jid>`), then `account_sync` to every device. */
  handleBlocklistIq(conn: SimConnection, iq: BinaryNode): void {
    const own = conn.device!.phoneNumber;
    if (iq.attrs.type === 'get') return conn.send(iqResult(iq, [node('list', {}, this.blocklist(own).map((jid) => node('item', { jid })))]));
    const items = childrenByTag(iq, 'item')
      .filter((i) => i.attrs.jid)
      .map((i) => ({ jid: i.attrs.jid!, pn: i.attrs.pn_jid, block: i.attrs.action === 'block' }));
    conn.send(iqResult(iq));
    this.changeBlocklist(own, items);
  }

  /**
   * The account's blocklist changes (from one of its devices, or from the phone itself): every
   * connected device gets `<notification type="account_sync"><blocklist>`.
   */
  changeBlocklist(own: string, items: Array<{ jid: string; pn?: string; block: boolean }>): void {
    const list = this.blocklists.get(own) ?? new Set<string>();
    this.blocklists.set(own, list);
    for (const item of items) {
      if (item.block) list.add(item.jid);
      else {
        list.delete(item.jid);
        if (item.pn) list.delete(item.pn);
      }
    }
    const notification = node('notification', { from: `${own}@s.whatsapp.net`, type: 'account_sync', id: randomBytes(8).toString('hex').toUpperCase(), t: unixSeconds() }, [
      node('blocklist', {}, items.map((i) => node('item', { jid: i.jid, action: i.block ? 'block' : 'unblock' }))),
    ]);
    for (const c of this.core.connectionsOf(own)) c.send(notification);
    this.core.events.emit('blocklist', { phoneNumber: own, blocklist: [...list] });
  }

  /** Whether the account blocked this contact (by PN or LID). */
  isBlocked(phone: string, contact: SimContact): boolean {
    const list = this.blocklists.get(phone);
    return !!list && (list.has(contact.jid) || list.has(contact.lidJid));
  }

  // ------------------------------------------------------------------ presence

  /** A contact's presence changed (sandbox / test API): remembered for later subscriptions. */
  notePresence(contact: SimContact, presence: string): void {
    if (presence === 'available' || presence === 'unavailable') this.presences.set(contact.phoneNumber, { type: presence, at: Date.now() });
  }

  /** `<presence type="subscribe" to>`: answered at once with the contact's last presence. */
  subscribe(conn: SimConnection, stanza: BinaryNode): void {
    const who = stanza.attrs.to ? this.core.resolveUser(stanza.attrs.to, false) : undefined;
    if (who?.kind !== 'contact') return;
    const set = this.subscribers.get(who.contact.phoneNumber) ?? new Set<SimConnection>();
    set.add(conn);
    this.subscribers.set(who.contact.phoneNumber, set);
    const last = this.presences.get(who.contact.phoneNumber);
    const from = stanza.attrs.to!;
    conn.send(last?.type === 'available' ? node('presence', { from }) : node('presence', { from, type: 'unavailable', last: last ? unixSeconds(last.at) : 'deny' }));
    this.core.events.emit('presenceSubscribe', { phoneNumber: conn.device?.phoneNumber ?? '', contact: who.contact.phoneNumber });
  }

  /** Connections subscribed to a contact's presence (closed ones dropped). */
  subscribersOf(contactPhone: string): SimConnection[] {
    const set = this.subscribers.get(contactPhone);
    if (!set) return [];
    for (const c of set) if (!c.isOpen) set.delete(c);
    return [...set];
  }
}
