/**
 * Retry receipts: a contact can be told to fail the decryption of the next message a session sends
 * it. It then forgets its Signal session with that device and answers with
 * `<receipt type="retry"><retry count id t v/><registration/></receipt>`, as WhatsApp does; Baileys
 * re-fetches the contact's bundle and re-sends the message (if its `getMessage` finds it), which
 * arrives as a fresh `pkmsg` with the same id.
 */
import { node, uintBE, unixSeconds, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimContact } from './contacts.js';
import type { SimulatorEvents } from './events.js';
import type { AccountRecord } from './registry.js';

export class RetryRequests {
  /** `${contactPhone}|${sessionPhone}` → failures still to play. */
  private readonly armed = new Map<string, number>();

  constructor(private readonly events: SimulatorEvents) {}

  /** The contact fails to decrypt the next message the session (any of its devices) sends it. */
  failNext(contactPhone: string, sessionPhone: string): void {
    const key = `${contactPhone}|${sessionPhone}`;
    this.armed.set(key, (this.armed.get(key) ?? 0) + 1);
  }

  takeFailure(contact: SimContact, account: AccountRecord): boolean {
    const key = `${contact.phoneNumber}|${account.phoneNumber}`;
    const left = this.armed.get(key) ?? 0;
    if (left === 0) return false;
    if (left === 1) this.armed.delete(key);
    else this.armed.set(key, left - 1);
    return true;
  }

  /** Drops the contact's session with the sending device and asks that device for a retry. */
  requestRetry(conn: SimConnection, contact: SimContact, recipientJid: string, stanza: BinaryNode, senderAddress: string): void {
    const id = stanza.attrs.id!;
    contact.party.dropSession(senderAddress);
    const t = stanza.attrs.t ?? unixSeconds();
    conn.send(
      node('receipt', { from: recipientJid, id, t: unixSeconds(), type: 'retry' }, [
        node('retry', { count: '1', id, t, v: '1' }),
        node('registration', {}, uintBE(contact.party.keys.registrationId, 4)),
      ]),
    );
    this.events.emit('retryRequested', { id, from: contact.phoneNumber, to: conn.device?.phoneNumber ?? '' });
  }

  /** Baileys acks a retry receipt once it has re-sent the message, or decided not to. */
  onAnswered(conn: SimConnection, ack: BinaryNode): void {
    const who = ack.attrs.to ?? '';
    this.events.emit('retryAnswered', { id: ack.attrs.id ?? '', to: who, from: conn.device?.phoneNumber ?? '' });
  }
}
