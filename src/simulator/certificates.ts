/**
 * The simulator's own Noise certificate chain: a root key (plays WhatsApp's long-term key), an
 * intermediate signed by the root (issuerSerial 0, as the client checks) and a leaf for the server's
 * static Noise key. The app trusts a root other than WhatsApp's only in sandbox mode (the in-process
 * simulator's) or when WA_TRUSTED_ROOT_PUBLIC_KEY names it (src/whatsapp/noise-trust.ts).
 *
 * The default root is well known (derived from a public seed), so that an app in another process
 * can be told to trust a simulator's root before that simulator starts: tests and benchmarks pass
 * SIMULATOR_ROOT_PUBLIC_KEY_HEX as WA_TRUSTED_ROOT_PUBLIC_KEY. Its private key is public too: never
 * trust it in front of real users.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { Curve, proto } from '@whiskeysockets/baileys';

export interface KeyPair {
  private: Buffer;
  public: Buffer;
}

export interface CertificateChain {
  root: KeyPair;
  intermediate: KeyPair;
  /** The server's static Noise key, certified by the leaf. */
  serverStatic: KeyPair;
  /** Encoded `CertChain{ leaf, intermediate }`, sent in the server hello. */
  encoded: Buffer;
}

const YEAR_SECONDS = 365 * 24 * 3600;

/** A fresh Curve25519 key pair (32-byte public key, no type prefix). */
export function newKeyPair(): KeyPair {
  const pair = Curve.generateKeyPair();
  return { private: Buffer.from(pair.private), public: Buffer.from(pair.public) };
}

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The Curve25519 key pair whose private key is SHA-256(`seed`). */
export function keyPairFromSeed(seed: string): KeyPair {
  const privateKey = createHash('sha256').update(seed).digest();
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  const publicKey = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
  return { private: privateKey, public: publicKey };
}

/** The default root of every simulator's chain (a simulator started with `rootKey` uses that instead). */
export const SIMULATOR_ROOT_KEY: KeyPair = keyPairFromSeed('whatsapp-web-simulator root key: test and sandbox use only');
/** Its public key in hex, as WA_TRUSTED_ROOT_PUBLIC_KEY takes it. */
export const SIMULATOR_ROOT_PUBLIC_KEY_HEX = SIMULATOR_ROOT_KEY.public.toString('hex');

export interface CertificateChainOptions {
  /**
   * The static Noise key the server really uses; the leaf still certifies a key of its own. Plays a
   * man in the middle replaying a genuine chain: the client must refuse it.
   */
  uncertifiedStaticKey?: KeyPair;
}

export function createCertificateChain(root: KeyPair = SIMULATOR_ROOT_KEY, opts: CertificateChainOptions = {}): CertificateChain {
  const intermediate = newKeyPair();
  const certified = newKeyPair();
  const serverStatic = opts.uncertifiedStaticKey ?? certified;
  const now = Math.floor(Date.now() / 1000);
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: 0,
    key: intermediate.public,
    notBefore: now - 3600,
    notAfter: now + YEAR_SECONDS,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: certified.public,
    notBefore: now - 3600,
    notAfter: now + YEAR_SECONDS,
  }).finish();
  const encoded = Buffer.from(
    proto.CertChain.encode({
      intermediate: { details: intermediateDetails, signature: Curve.sign(root.private, intermediateDetails) },
      leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
    }).finish(),
  );
  return { root, intermediate, serverStatic, encoded };
}
