/**
 * Messages from the account's own phone (device 0) to its companions (WA-PROTOCOL-2 §0.1): key
 * shares and history-sync notifications are self-only protocol messages, so they must come from the
 * own PN. Sent as `<plaintext>` (Baileys accepts it for any message; it skips a Signal round per
 * chunk, which matters for 100,000-message histories), with `notify` = the phone's push name.
 */
import { encodeWAMessage, proto } from '@whiskeysockets/baileys';
import { node, unixSeconds, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimulatorCore } from './core.js';
import { deviceAddress, newMessageId } from './messaging.js';
import type { AccountRecord } from './registry.js';

/** `<message from=own PN category="peer" [notify]>` carrying `message` in plain protobuf. */
export function ownPhoneStanza(account: AccountRecord, message: proto.IMessage, opts: { recipient?: string; id?: string } = {}): BinaryNode {
  return node(
    'message',
    {
      from: `${account.phoneNumber}@s.whatsapp.net`,
      recipient: opts.recipient,
      id: opts.id ?? newMessageId(),
      t: unixSeconds(),
      type: 'text',
      category: 'peer',
      notify: account.pushName,
    },
    [node('plaintext', {}, Buffer.from(proto.Message.encode(message).finish()))],
  );
}

export function sendFromOwnPhone(conn: SimConnection, account: AccountRecord, message: proto.IMessage): void {
  conn.send(ownPhoneStanza(account, message));
}

/**
 * The same message Signal-encrypted by the own phone for the connection's device (option
 * `encryptOwnPhone`), as WhatsApp sends it; the phone starts a session from the device's bundle.
 */
export async function sendFromOwnPhoneEncrypted(core: SimulatorCore, conn: SimConnection, account: AccountRecord, message: proto.IMessage): Promise<void> {
  const device = conn.device;
  if (!device) return;
  const party = core.phoneParty(account);
  const address = deviceAddress(account, device.deviceId);
  if (!party.hasSession(address)) await party.startSession(address, core.registry.takeBundle(device));
  const { type, ciphertext } = await party.encrypt(address, encodeWAMessage(message));
  const plain = ownPhoneStanza(account, message);
  conn.send(node('message', plain.attrs, [node('enc', { v: '2', type }, ciphertext)]));
}
