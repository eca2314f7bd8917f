/**
 * The phone's side of pairing-code login (`requestPairingCode`, WA-PROTOCOL-2 §5). The companion
 * announces itself with `link_code_companion_reg stage="companion_hello"` (its ephemeral key wrapped
 * with the code); when the user "types the code on the phone" (`enter`), the phone unwraps it, sends
 * its own wrapped ephemeral key and identity, and waits for `companion_finish`: the key bundle
 * decrypts only with the right code (AES-GCM), and yields the ADV secret that the usual pair-success
 * uses. PBKDF2 (131,072 iterations) runs asynchronously, so many pairings never block the server.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { aesDecryptGCM, Curve, hkdf } from '@whiskeysockets/baileys';
import { child, childBytes, iqError, iqResult, node, unixSeconds, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { AccountRecord } from './registry.js';

const pbkdf2Async = promisify(pbkdf2);
const PBKDF2_ITERATIONS = 2 << 16;
const FINISH_TIMEOUT_MS = 20_000;

/** A companion that asked for a pairing code and waits for the phone. */
interface PendingCode {
  conn: SimConnection;
  phoneNumber: string;
  wrappedCompanionEphemeral: Buffer;
  ref: Buffer;
  finish?: { resolve(n: BinaryNode): void; reject(e: Error): void };
}

export class PairingCodeError extends Error {}

export const isLinkCodeIq = (iq: BinaryNode): boolean => iq.attrs.xmlns === 'md' && !!child(iq, 'link_code_companion_reg');

function codeKey(code: string, salt: Buffer): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(code, 'utf8'), salt, PBKDF2_ITERATIONS, 32, 'sha256');
}

/** salt(32) ‖ iv(16) ‖ AES-256-CTR(PBKDF2(code, salt), iv, key(32)) */
async function wrap(code: string, publicKey: Buffer): Promise<Buffer> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', await codeKey(code, salt), iv);
  return Buffer.concat([salt, iv, cipher.update(publicKey), cipher.final()]);
}

async function unwrap(code: string, wrapped: Buffer): Promise<Buffer> {
  const decipher = createDecipheriv('aes-256-ctr', await codeKey(code, wrapped.subarray(0, 32)), wrapped.subarray(32, 48));
  return Buffer.concat([decipher.update(wrapped.subarray(48, 80)), decipher.final()]);
}

export class PairingCodes {
  private readonly pending = new Map<string, PendingCode>();

  constructor(private readonly onRequest: (phoneNumber: string) => void) {}

  /** Handles `link_code_companion_reg` IQs of connections that are not logged in. */
  handleIq(conn: SimConnection, iq: BinaryNode): void {
    const reg = child(iq, 'link_code_companion_reg')!;
    const phoneNumber = reg.attrs.jid?.split('@')[0]?.split(':')[0];
    const entry = phoneNumber ? this.pending.get(phoneNumber) : undefined;
    switch (reg.attrs.stage) {
      case 'companion_hello': {
        const wrapped = childBytes(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
        const serverAuthKey = childBytes(reg, 'companion_server_auth_key_pub');
        if (!phoneNumber || !/^\d{5,20}$/.test(phoneNumber) || wrapped?.length !== 80 || !serverAuthKey || !conn.clientStatic?.equals(serverAuthKey)) {
          conn.send(iqError(iq, 400, 'bad-request'));
          return;
        }
        const ref = Buffer.from(randomBytes(16).toString('base64url'));
        this.pending.set(phoneNumber, { conn, phoneNumber, wrappedCompanionEphemeral: wrapped, ref });
        conn.send(iqResult(iq, [node('link_code_companion_reg', {}, [node('link_code_pairing_ref', {}, ref)])]));
        this.onRequest(phoneNumber);
        return;
      }
      case 'companion_finish': {
        conn.send(iqResult(iq));
        if (entry?.conn === conn && entry.finish) entry.finish.resolve(reg);
        return;
      }
      default:
        conn.send(iqError(iq, 400, 'bad-request'));
    }
  }

  /** Phone numbers with a companion waiting for its code. */
  waiting(): string[] {
    return [...this.pending.values()].filter((p) => p.conn.isOpen).map((p) => p.phoneNumber);
  }

  /**
   * The phone enters `code`: resolves with the companion's identity and ADV secret once the
   * companion proved it holds the same code; rejects with a PairingCodeError otherwise.
   */
  async enter(account: AccountRecord, code: string): Promise<{ conn: SimConnection; identityKey: Buffer; advSecret: Buffer }> {
    const entry = this.pending.get(account.phoneNumber);
    if (!entry || !entry.conn.isOpen || !entry.conn.registration) throw new PairingCodeError(`no companion is waiting for a pairing code for ${account.phoneNumber}`);
    if (entry.finish) throw new PairingCodeError('a pairing code is already being entered for this number');
    const companionEphemeral = await unwrap(code, entry.wrappedCompanionEphemeral);
    const primaryEphemeral = Curve.generateKeyPair();
    const finished = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PairingCodeError('the companion did not finish the pairing-code exchange')), FINISH_TIMEOUT_MS);
      entry.finish = {
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
    try {
      entry.conn.send(
        node('notification', { from: 's.whatsapp.net', type: 'link_code_companion_reg', id: randomBytes(8).toString('hex'), t: unixSeconds() }, [
          node('link_code_companion_reg', { stage: 'primary_hello' }, [
            node('link_code_pairing_ref', {}, entry.ref),
            node('primary_identity_pub', {}, account.keys.identity.public),
            node('link_code_pairing_wrapped_primary_ephemeral_pub', {}, await wrap(code, Buffer.from(primaryEphemeral.public))),
          ]),
        ]),
      );
      const reg = await finished;
      return { conn: entry.conn, ...this.verifyFinish(reg, entry, account, Buffer.from(Curve.sharedKey(primaryEphemeral.private, companionEphemeral))) };
    } finally {
      entry.finish = undefined;
    }
  }

  private verifyFinish(reg: BinaryNode, entry: PendingCode, account: AccountRecord, shared: Buffer): { identityKey: Buffer; advSecret: Buffer } {
    const bundle = childBytes(reg, 'link_code_pairing_wrapped_key_bundle');
    const identityKey = childBytes(reg, 'companion_identity_public');
    if (!bundle || bundle.length < 44 + 16 || !identityKey) throw new PairingCodeError('the companion sent an incomplete key bundle');
    const key = hkdf(shared, 32, { salt: bundle.subarray(0, 32), info: 'link_code_pairing_key_bundle_encryption_key' });
    let plain: Buffer;
    try {
      plain = aesDecryptGCM(bundle.subarray(44), key, bundle.subarray(32, 44), Buffer.alloc(0));
    } catch {
      throw new PairingCodeError('incorrect pairing code: the companion entered a different code');
    }
    const companionIdentity = plain.subarray(0, 32);
    if (!companionIdentity.equals(identityKey) || !identityKey.equals(entry.conn.registration!.identityKey) || !plain.subarray(32, 64).equals(account.keys.identity.public)) {
      throw new PairingCodeError('the key bundle does not match the companion or the account identity');
    }
    const identityShared = Buffer.from(Curve.sharedKey(account.keys.identity.private, identityKey));
    const advSecret = Buffer.from(hkdf(Buffer.concat([shared, identityShared, plain.subarray(64, 96)]), 32, { info: 'adv_secret' }));
    this.pending.delete(entry.phoneNumber);
    return { identityKey, advSecret };
  }

  /** Forgets requests of a closed connection. */
  onClose(conn: SimConnection): void {
    for (const [phone, p] of this.pending) {
      if (p.conn !== conn) continue;
      p.finish?.reject(new PairingCodeError('the companion disconnected during pairing'));
      this.pending.delete(phone);
    }
  }
}
