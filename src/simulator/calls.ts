/**
 * Calls from a contact to a session (WA-PROTOCOL-3 §7). The contact's `<offer>` reaches every
 * connected device of the account (Baileys: `call` event, status `offer`); unless a device rejects
 * it, it times out after the ring time with `<terminate reason="timeout"/>` (`timeout`, and a
 * missed-call stub message). A session's `rejectCall` is a query: answered with
 * `<ack class="call" type="reject">` at once, the call then ends for the other devices too. The
 * caller's view (ringing, rejected, timeout, ended) is kept per contact. A caller the account
 * blocked rings on its own side only (event `inboundBlocked` with the call id).
 */
import { randomBytes } from 'node:crypto';
import { children, node, unixSeconds, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimContact } from './contacts.js';
import type { SimulatorCore } from './core.js';
import type { CallRecord } from './types.js';

export const DEFAULT_RING_MS = 45_000;
const MAX_CALLS_PER_CONTACT = 200;

/** A call as the simulator tracks it; `blocked`: the account blocked the caller, so its devices never hear of it. */
interface CallEntry {
  record: CallRecord;
  contact: SimContact;
  blocked: boolean;
  timer?: NodeJS.Timeout;
}

export class Calls {
  private readonly byId = new Map<string, CallEntry>();
  private readonly byContact = new Map<string, CallRecord[]>();

  constructor(private readonly core: SimulatorCore) {}

  /** The contact calls the session `toPhone`; it rings for `ringMs`, then times out. Resolves with the call id. */
  offer(contact: SimContact, toPhone: string, opts: { video?: boolean; ringMs?: number } = {}): string {
    if (!this.core.registry.accounts.get(toPhone)) throw new Error(`no account ${toPhone} is known to the simulator`);
    const callId = randomBytes(16).toString('hex').toUpperCase();
    const record: CallRecord = { callId, from: contact.phoneNumber, to: toPhone, isVideo: !!opts.video, status: 'ringing', offeredAt: Date.now() };
    const media = [node('audio', { enc: 'opus', rate: '16000' }), node('audio', { enc: 'opus', rate: '8000' })];
    if (opts.video) media.push(node('video', { enc: 'vp8', dec: 'vp8', orientation: '0', screen_width: '1920', screen_height: '1080', device_orientation: '0' }));
    // As WhatsApp does: a contact the account blocked rings on its own side only.
    const blocked = this.core.accountIqs.isBlocked(toPhone, contact);
    if (blocked) this.core.events.emit('inboundBlocked', { id: callId, from: contact.phoneNumber, to: toPhone });
    else this.send(contact, toPhone, node('offer', { 'call-id': callId, 'call-creator': contact.jid, caller_pn: contact.jid }, [...media, node('net', { medium: '3' })]));
    const entry: CallEntry = { record, contact, blocked };
    entry.timer = setTimeout(() => this.end(callId, 'timeout'), opts.ringMs ?? DEFAULT_RING_MS);
    this.byId.set(callId, entry);
    const list = this.byContact.get(contact.phoneNumber) ?? [];
    list.push(record);
    if (list.length > MAX_CALLS_PER_CONTACT) this.byId.delete(list.shift()!.callId);
    this.byContact.set(contact.phoneNumber, list);
    this.core.events.emit('call', { ...record });
    return callId;
  }

  /** The caller hangs up before an answer (`terminate`). False when the call is not ringing. */
  hangUp(callId: string): boolean {
    return this.end(callId, 'ended');
  }

  /** What the caller saw of its calls, oldest first. */
  callsOf(contactPhone: string): CallRecord[] {
    return (this.byContact.get(contactPhone) ?? []).map((r) => ({ ...r }));
  }

  /** A session's `<call>`: `reject` ends the call (acked so `rejectCall` resolves); anything else is acked. */
  handleSessionCall(conn: SimConnection, stanza: BinaryNode): void {
    const action = children(stanza)[0];
    const callId = action?.attrs['call-id'];
    conn.send(node('ack', { id: stanza.attrs.id, class: 'call', from: stanza.attrs.to, type: action?.tag }));
    const entry = callId ? this.byId.get(callId) : undefined;
    if (!entry || entry.record.status !== 'ringing' || action?.tag !== 'reject') return;
    entry.record.rejectedBy = conn.device?.deviceId;
    this.end(callId!, 'rejected', conn);
  }

  /** Stops every ringing call's timer (the simulator stops). */
  stop(): void {
    for (const entry of this.byId.values()) clearTimeout(entry.timer);
  }

  private end(callId: string, status: 'timeout' | 'rejected' | 'ended', except?: SimConnection): boolean {
    const entry = this.byId.get(callId);
    if (!entry || entry.record.status !== 'ringing') return false;
    clearTimeout(entry.timer);
    entry.record.status = status;
    entry.record.endedAt = Date.now();
    const attrs = { 'call-id': callId, 'call-creator': entry.contact.jid, reason: status === 'timeout' ? 'timeout' : undefined };
    // The device that rejected knows; the others stop ringing (a blocked caller's call never rang there).
    if (!entry.blocked) this.send(entry.contact, entry.record.to, node('terminate', attrs), except);
    this.core.events.emit('call', { ...entry.record });
    return true;
  }

  private send(contact: SimContact, toPhone: string, action: BinaryNode, except?: SimConnection): void {
    const stanza = node('call', { from: contact.jid, id: randomBytes(8).toString('hex').toUpperCase(), t: unixSeconds(), notify: contact.pushName }, [action]);
    for (const c of this.core.connectionsOf(toPhone)) if (c !== except) c.send(stanza);
  }
}

