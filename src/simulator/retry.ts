/**
 * Retry receipts, both ways, as WhatsApp phones play them.
 *
 * Session → contact: a contact that cannot decrypt a message a session sent it (or was told to
 * fail the next one, `failNext`) forgets its Signal session with that device and answers with
 * `<receipt type="retry"><retry count id t v/><registration/></receipt>`; Baileys re-fetches the
 * contact's bundle and re-sends the message (if its `getMessage` finds it), which arrives as a
 * fresh `pkmsg` with the same id. A contact asks at most MAX_RETRIES times for one message.
 *
 * Contact → session: a session that cannot decrypt a contact's message answers with a retry
 * receipt; the contact then starts a new Signal session with that device (from the pre-keys the
 * device uploaded) and sends the same message again, same id, as a `pkmsg` (Messaging.resend). A
 * contact can be told to garble the next messages it sends (`garbleNext`): their ciphertext is
 * changed on the way, so that the session fails to decrypt them.
 */
import { node, uintBE, unixSeconds, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimContact } from './contacts.js';
import type { SimulatorEvents } from './events.js';
import type { AccountRecord } from './registry.js';

/** How many times a phone asks for, or answers, a retry of one message. */
export const MAX_RETRIES = 5;

export class RetryRequests {
  /** `${contactPhone}|${sessionPhone}` → failures still to play. */
  private readonly armed = new Map<string, number>();
  /** `${contactPhone}|${sessionPhone}` → messages still to garble. */
  private readonly garbles = new Map<string, number>();
  /** Message id → retries asked (contact side) or answered (contact re-sends), bounded. */
  private readonly counts = new Map<string, number>();

  constructor(private readonly events: SimulatorEvents) {}

  /** The contact fails to decrypt the next message the session (any of its devices) sends it. */
  failNext(contactPhone: string, sessionPhone: string): void {
    const key = `${contactPhone}|${sessionPhone}`;
    this.armed.set(key, (this.armed.get(key) ?? 0) + 1);
  }

  takeFailure(contact: SimContact, account: AccountRecord): boolean {
    return take(this.armed, `${contact.phoneNumber}|${account.phoneNumber}`);
  }

  /** The next `count` messages the contact sends the session arrive undecryptable. */
  garbleNext(contactPhone: string, sessionPhone: string, count = 1): void {
    const key = `${contactPhone}|${sessionPhone}`;
    this.garbles.set(key, (this.garbles.get(key) ?? 0) + count);
  }

  takeGarble(contact: SimContact, account: AccountRecord): boolean {
    return take(this.garbles, `${contact.phoneNumber}|${account.phoneNumber}`);
  }

  /** Counts one more retry of `key` (a message id and a direction); false past MAX_RETRIES. */
  allow(key: string): boolean {
    const n = (this.counts.get(key) ?? 0) + 1;
    if (n > MAX_RETRIES) return false;
    if (this.counts.size >= 10_000) this.counts.delete(this.counts.keys().next().value!);
    this.counts.set(key, n);
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

function take(counters: Map<string, number>, key: string): boolean {
  const left = counters.get(key) ?? 0;
  if (left === 0) return false;
  if (left === 1) counters.delete(key);
  else counters.set(key, left - 1);
  return true;
}
