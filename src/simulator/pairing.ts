/**
 * The phone's side of QR pairing: read the QR string, build the ADV device identity signed with the
 * account key and MAC'd with the companion's ADV secret, and check the companion's counter-signature.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { Curve, proto, WA_ADV_ACCOUNT_SIG_PREFIX, WA_ADV_DEVICE_SIG_PREFIX } from '@whiskeysockets/baileys';
import * as curve from 'libsignal/src/curve.js';
import { bytes, child, node, unixSeconds, type BinaryNode } from './binary.js';
import type { AccountRecord } from './registry.js';

const QR_PREFIX = 'https://wa.me/settings/linked_devices#';

export interface ParsedQr {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
  platformId: string;
}

export function parseQr(qr: string): ParsedQr {
  if (!qr.startsWith(QR_PREFIX)) throw new Error('not a WhatsApp linked-devices QR string');
  const parts = qr.slice(QR_PREFIX.length).split(',');
  if (parts.length !== 5) throw new Error(`QR string has ${parts.length} fields, expected 5`);
  const [ref, noise, identity, adv, platformId] = parts as [string, string, string, string, string];
  return {
    ref,
    noiseKey: Buffer.from(noise, 'base64'),
    identityKey: Buffer.from(identity, 'base64'),
    advSecret: Buffer.from(adv, 'base64'),
    platformId,
  };
}

/** A fresh QR ref, shaped like the server's (`2@` + base64). */
export function newRef(): string {
  return `2@${randomBytes(48).toString('base64')}`;
}

export interface PairSuccess {
  node: BinaryNode;
  keyIndex: number;
  /** Encoded ADVDeviceIdentity: what the companion must counter-sign. */
  details: Buffer;
}

export function buildPairSuccess(
  account: AccountRecord,
  deviceId: number,
  companionIdentity: Buffer,
  advSecret: Buffer,
  iqId: string,
): PairSuccess {
  const keyIndex = deviceId;
  const details = Buffer.from(
    proto.ADVDeviceIdentity.encode({
      rawId: randomInt(1, 2 ** 31),
      timestamp: Math.floor(Date.now() / 1000),
      keyIndex,
      accountType: proto.ADVEncryptionType.E2EE,
      deviceType: proto.ADVEncryptionType.E2EE,
    }).finish(),
  );
  const accountSignature = Curve.sign(account.keys.identity.private, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, companionIdentity]));
  const signed = Buffer.from(
    proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey: account.keys.identity.public, accountSignature }).finish(),
  );
  const hmac = createHmac('sha256', advSecret).update(signed).digest();
  const identityHmac = Buffer.from(proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish());
  const content: BinaryNode[] = [
    node('device-identity', { 'key-index': String(keyIndex) }, identityHmac),
    node('platform', { name: account.platform }),
    node('device', { jid: `${account.phoneNumber}:${deviceId}@s.whatsapp.net`, lid: `${account.lid}:${deviceId}@lid` }),
  ];
  if (account.accountType === 'business') content.push(node('biz', { name: account.name ?? account.phoneNumber }));
  const iq = node('iq', { from: 's.whatsapp.net', type: 'set', id: iqId, xmlns: 'md', t: unixSeconds() }, [node('pair-success', {}, content)]);
  return { node: iq, keyIndex, details };
}

/** Checks the companion's `<pair-device-sign>` reply: its device signature over the ADV details. */
export function verifyPairDeviceSign(reply: BinaryNode, account: AccountRecord, companionIdentity: Buffer, details: Buffer): boolean {
  const identityNode = child(child(reply, 'pair-device-sign'), 'device-identity');
  const encoded = bytes(identityNode);
  if (!encoded) return false;
  const signed = proto.ADVSignedDeviceIdentity.decode(encoded);
  if (!signed.deviceSignature || !signed.details || !Buffer.from(signed.details).equals(details)) return false;
  const msg = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, details, companionIdentity, account.keys.identity.public]);
  const pub = Buffer.concat([Buffer.from([5]), companionIdentity]);
  return curve.verifySignature(pub, msg, signed.deviceSignature);
}
