/**
 * A Signal participant played by the simulator (a contact's phone or the account's own phone):
 * identity, signed prekey, one-time prekeys made on demand, and in-memory sessions per remote device.
 * Built on libsignal, the same library Baileys uses on the other side.
 */
import { randomInt } from 'node:crypto';
import libsignal from 'libsignal';
import { Curve } from '@whiskeysockets/baileys';
import { compactBytes } from '../common/compact-bytes.js';
import { node, uintBE, type BinaryNode } from './binary.js';

export interface PartyKeys {
  registrationId: number;
  identity: { public: Buffer; private: Buffer };
  signedPreKey: { id: number; public: Buffer; private: Buffer; signature: Buffer };
}

export interface PartyKeysJson {
  registrationId: number;
  identity: { public: string; private: string };
  signedPreKey: { id: number; public: string; private: string; signature: string };
}

/** A remote device's published key bundle (what the server hands out on `encrypt get <key>`). */
export interface RemoteBundle {
  registrationId: number;
  identity: Buffer;
  signedPreKey: { id: number; public: Buffer; signature: Buffer };
  preKey?: { id: number; public: Buffer };
}

type LibKeyPair = { pubKey: Buffer; privKey: Buffer };

interface OpenSession {
  pendingPreKey?: unknown;
  indexInfo?: { baseKey?: Buffer };
}
interface RecordInternals {
  getOpenSession(): OpenSession | undefined;
}

const prefixed = (pub: Buffer): Buffer => (pub.length === 33 ? pub : Buffer.concat([Buffer.from([5]), pub]));

export function generatePartyKeys(): PartyKeys {
  const identity = Curve.generateKeyPair();
  const spk = Curve.generateKeyPair();
  const signature = Buffer.from(Curve.sign(identity.private, prefixed(Buffer.from(spk.public))));
  return {
    registrationId: randomInt(1, 16380),
    identity: { public: Buffer.from(identity.public), private: Buffer.from(identity.private) },
    signedPreKey: { id: 1, public: Buffer.from(spk.public), private: Buffer.from(spk.private), signature },
  };
}

export function partyKeysToJson(k: PartyKeys): PartyKeysJson {
  return {
    registrationId: k.registrationId,
    identity: { public: k.identity.public.toString('base64'), private: k.identity.private.toString('base64') },
    signedPreKey: {
      id: k.signedPreKey.id,
      public: k.signedPreKey.public.toString('base64'),
      private: k.signedPreKey.private.toString('base64'),
      signature: k.signedPreKey.signature.toString('base64'),
    },
  };
}

export function partyKeysFromJson(j: PartyKeysJson): PartyKeys {
  const b = (s: string): Buffer => Buffer.from(s, 'base64');
  return {
    registrationId: j.registrationId,
    identity: { public: b(j.identity.public), private: b(j.identity.private) },
    signedPreKey: { id: j.signedPreKey.id, public: b(j.signedPreKey.public), private: b(j.signedPreKey.private), signature: b(j.signedPreKey.signature) },
  };
}

export class SignalParty {
  private readonly preKeys = new Map<number, LibKeyPair>();
  private nextPreKeyId = 1;
  private readonly sessions = new Map<string, libsignal.SessionRecord>();
  private readonly storage: libsignal.SignalStorage;

  constructor(readonly keys: PartyKeys) {
    const identity: LibKeyPair = { pubKey: prefixed(keys.identity.public), privKey: keys.identity.private };
    const signed: LibKeyPair = { pubKey: prefixed(keys.signedPreKey.public), privKey: keys.signedPreKey.private };
    this.storage = {
      loadSession: async (id) => this.sessions.get(id),
      // Ratchet keys libsignal takes from a decoded message are views into the whole frame.
      storeSession: async (id, record) => {
        this.sessions.set(id, compactBytes(record));
      },
      isTrustedIdentity: () => true,
      loadPreKey: async (id) => this.preKeys.get(Number(id)),
      removePreKey: (id) => {
        this.preKeys.delete(Number(id));
      },
      loadSignedPreKey: () => signed,
      getOurRegistrationId: () => keys.registrationId,
      getOurIdentity: () => identity,
    };
  }

  /** `<user jid>` bundle node for an `encrypt get <key>` answer; mints one fresh one-time prekey. */
  bundleNode(jid: string): BinaryNode {
    const id = this.nextPreKeyId++;
    const pair = Curve.generateKeyPair();
    this.preKeys.set(id, { pubKey: prefixed(Buffer.from(pair.public)), privKey: Buffer.from(pair.private) });
    return bundleToNode(jid, {
      registrationId: this.keys.registrationId,
      identity: this.keys.identity.public,
      signedPreKey: { id: this.keys.signedPreKey.id, public: this.keys.signedPreKey.public, signature: this.keys.signedPreKey.signature },
      preKey: { id, public: Buffer.from(pair.public) },
    });
  }

  hasSession(address: string): boolean {
    const record = this.sessions.get(address);
    return !!record && record.haveOpenSession();
  }

  async startSession(address: string, bundle: RemoteBundle): Promise<void> {
    const builder = new libsignal.SessionBuilder(this.storage, toAddress(address));
    await builder.initOutgoing({
      registrationId: bundle.registrationId,
      identityKey: prefixed(bundle.identity),
      signedPreKey: { keyId: bundle.signedPreKey.id, publicKey: prefixed(bundle.signedPreKey.public), signature: bundle.signedPreKey.signature },
      preKey: bundle.preKey ? { keyId: bundle.preKey.id, publicKey: prefixed(bundle.preKey.public) } : (undefined as never),
    });
  }

  async encrypt(address: string, plaintext: Buffer): Promise<{ type: 'pkmsg' | 'msg'; ciphertext: Buffer }> {
    const cipher = new libsignal.SessionCipher(this.storage, toAddress(address));
    const { type, body } = await cipher.encrypt(plaintext);
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.from(body, 'binary') };
  }

  async decrypt(address: string, type: string, ciphertext: Buffer): Promise<Buffer> {
    const cipher = new libsignal.SessionCipher(this.storage, toAddress(address));
    // A prekey message for a session we do not have (the peer started one of its own, as Baileys
    // does on its first reply) is added to the record and opened; the old sessions stay, closed, as
    // a phone keeps them: messages still in flight on them decrypt.
    if (type === 'pkmsg') return cipher.decryptPreKeyWhisperMessage(ciphertext);
    if (type === 'msg') return cipher.decryptWhisperMessage(ciphertext);
    throw new Error(`unsupported enc type ${type}`);
  }

  /**
   * The remote device confirmed it decrypted our prekey message (it sent a delivery receipt), so it
   * holds the session: from now on send plain `msg` instead of repeating the prekey header.
   */
  confirmSession(address: string, baseKey?: Buffer): void {
    const open = this.openSession(address, baseKey);
    if (open?.pendingPreKey) delete open.pendingPreKey;
  }

  /** The base key of the open session with `address` (which prekey message a receipt is about). */
  openBaseKey(address: string): Buffer | undefined {
    return this.openSession(address)?.indexInfo?.baseKey;
  }

  /** The open session, if it is still the one with `baseKey` (when given): a newer one is left alone. */
  private openSession(address: string, baseKey?: Buffer): OpenSession | undefined {
    const record = this.sessions.get(address) as unknown as RecordInternals | undefined;
    const open = record?.getOpenSession();
    if (baseKey && !(open?.indexInfo?.baseKey && Buffer.compare(open.indexInfo.baseKey, baseKey) === 0)) return undefined;
    return open;
  }

  /** Forgets the session with `address` (only if its open session is still the one with `baseKey`, when given). */
  dropSession(address: string, baseKey?: Buffer): void {
    if (baseKey && !this.openSession(address, baseKey)) return;
    this.sessions.delete(address);
  }

  dropAllSessions(): void {
    this.sessions.clear();
    this.preKeys.clear();
  }
}

function toAddress(address: string): libsignal.ProtocolAddress {
  const dot = address.lastIndexOf('.');
  return new libsignal.ProtocolAddress(address.slice(0, dot), Number(address.slice(dot + 1)));
}

export function bundleToNode(jid: string, b: RemoteBundle): BinaryNode {
  const content: BinaryNode[] = [
    node('registration', {}, uintBE(b.registrationId, 4)),
    node('type', {}, Buffer.from([5])),
    node('identity', {}, b.identity),
    node('skey', {}, [
      node('id', {}, uintBE(b.signedPreKey.id, 3)),
      node('value', {}, b.signedPreKey.public),
      node('signature', {}, b.signedPreKey.signature),
    ]),
  ];
  if (b.preKey) content.push(node('key', {}, [node('id', {}, uintBE(b.preKey.id, 3)), node('value', {}, b.preKey.public)]));
  return node('user', { jid }, content);
}
