/**
 * The crypto seam: XEdDSA (Signal's curve25519 signatures) on native code instead of the
 * pure-JavaScript `curve25519-js` that libsignal ships. A CPU profile of onboarding showed
 * signature verification of the server's noise certificate chain (twice per connect) and signing
 * (signed pre-key, device signature) as the hottest JavaScript; see docs/performance.md.
 *
 * - verify: the Montgomery public key is mapped to its Edwards form (y = (u - 1) / (u + 1), the
 *   sign bit carried in the signature's last byte, as libsignal does) and checked by node:crypto's
 *   Ed25519 (OpenSSL), which also rejects a non-canonical S ≥ L that curve25519-js would accept.
 * - sign: libsignal's deterministic scheme (r = SHA-512(a ‖ M), S = r + SHA-512(R ‖ A ‖ M)·a),
 *   byte for byte, with @noble/curves (audited) for the two base-point multiplications, because
 *   node:crypto cannot sign with a raw Curve25519 scalar.
 *
 * `useNativeCurve()` swaps them in at one place, in three objects: libsignal's CommonJS
 * `curve.js` exports (read at call time by libsignal itself), Baileys' exported `Curve` helper
 * (Baileys imports libsignal's curve as an ES namespace, a snapshot that a later patch of the
 * CommonJS exports would not reach) and curve25519-js's exports, which libsignal's own functions
 * call at call time (so Baileys' sender-key signatures, which hold those functions, are native too). Argument checks and return values are libsignal's, so
 * behaviour is unchanged: only the arithmetic moves. `WA_NATIVE_CRYPTO=false` leaves (or puts
 * back) the originals. Baileys' `Curve.verify`, which accepted any signature, is replaced in both
 * modes by one that fails a bad signature and checks the certificate chain's root (noise-trust.ts).
 * No fork of either library.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createRequire } from 'node:module';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Curve } from '@whiskeysockets/baileys';
import { installCertificateChecks } from './noise-trust.js';

const { Fp, Fn, BASE } = ed25519.Point;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const LOW_255_BITS = (1n << 255n) - 1n;

const fromLittleEndian = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
const toLittleEndian32 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
const sha512 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Edwards encoding of a Curve25519 (Montgomery) public key; inverting 0 gives 0, as in tweetnacl. */
function edwardsPublicKey(montgomery: Uint8Array, signBit: number): Buffer {
  const u = Fp.create(fromLittleEndian(montgomery) & LOW_255_BITS);
  const denominator = Fp.add(u, 1n);
  const y = Fp.is0(denominator) ? 0n : Fp.mul(Fp.sub(u, 1n), Fp.inv(denominator));
  const encoded = toLittleEndian32(y);
  encoded[31] |= signBit;
  return encoded;
}

/**
 * The OpenSSL keys of recently seen Curve25519 public keys (a group member signs every message
 * with one sender key: the field inversion and key import ran once per message), by key and sign
 * bit; NOT_A_POINT for one OpenSSL refuses to import.
 */
const NOT_A_POINT = 0;
const edwardsKeys = new LRUCache<string, KeyObject | typeof NOT_A_POINT>({ max: 4096 });

function edwardsKeyObject(montgomery: Uint8Array, signBit: number): KeyObject | undefined {
  const id = `${Buffer.from(montgomery.buffer, montgomery.byteOffset, montgomery.byteLength).toString('base64')}${signBit}`;
  let key = edwardsKeys.get(id);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, edwardsPublicKey(montgomery, signBit)]), format: 'der', type: 'spki' });
    } catch {
      key = NOT_A_POINT;
    }
    edwardsKeys.set(id, key);
  }
  return key === NOT_A_POINT ? undefined : key;
}

/** XEdDSA verification of a 64-byte signature by a 32-byte Curve25519 public key. */
export function xeddsaVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = edwardsKeyObject(publicKey, signature[63] & 0x80);
  if (!key) return false;
  const ed25519Signature = Buffer.from(signature);
  ed25519Signature[63] &= 0x7f;
  try {
    return verify(null, message, key, ed25519Signature);
  } catch {
    return false;
  }
}

/** XEdDSA signature of `message` by a 32-byte Curve25519 private key, identical to libsignal's. */
export function xeddsaSign(privateKey: Uint8Array, message: Uint8Array): Buffer {
  const a = Buffer.from(privateKey);
  a[0] &= 248;
  a[31] &= 127;
  a[31] |= 64;
  const scalar = Fn.create(fromLittleEndian(a));
  const A = BASE.multiply(scalar).toBytes();
  const r = Fn.create(fromLittleEndian(sha512(a, message)));
  const R = (Fn.is0(r) ? ed25519.Point.ZERO : BASE.multiply(r)).toBytes();
  const h = Fn.create(fromLittleEndian(sha512(R, A, message)));
  const signature = Buffer.concat([R, toLittleEndian32(Fn.add(r, Fn.mul(h, scalar)))]);
  signature[63] |= A[31] & 0x80;
  return signature;
}

// libsignal's own argument checks and messages (curve.js: scrubPubKeyFormat, validatePrivKey).
function signalPublicKey(pubKey: unknown): Buffer {
  if (!(pubKey instanceof Buffer)) throw new Error(`Invalid public key type: ${(pubKey as object | undefined)?.constructor?.name}`);
  if ((pubKey.byteLength !== 33 || pubKey[0] !== 5) && pubKey.byteLength !== 32) throw new Error('Invalid public key');
  return pubKey.byteLength === 33 ? pubKey.subarray(1) : pubKey;
}

function signalPrivateKey(privKey: unknown): Buffer {
  if (privKey === undefined) throw new Error('Undefined private key');
  if (!(privKey instanceof Buffer)) throw new Error(`Invalid private key type: ${(privKey as object).constructor.name}`);
  if (privKey.byteLength !== 32) throw new Error(`Incorrect private key length: ${privKey.byteLength}`);
  return privKey;
}

/** Drop-in for libsignal's `curve.verifySignature` (returns the result; throws on malformed input). */
export function verifySignature(pubKey: Uint8Array, msg: Uint8Array, sig: Uint8Array, isInit?: boolean): boolean {
  const key = signalPublicKey(pubKey);
  if (!msg) throw new Error('Invalid message');
  if (!sig || sig.byteLength !== 64) throw new Error('Invalid signature');
  return isInit ? true : xeddsaVerify(key, msg, sig);
}

/** Drop-in for libsignal's `curve.calculateSignature`. */
export function calculateSignature(privKey: Uint8Array, message: Uint8Array): Buffer {
  const key = signalPrivateKey(privKey);
  if (!message) throw new Error('Invalid message');
  return xeddsaSign(key, message);
}

interface CurveFunctions {
  verifySignature(pubKey: Uint8Array, msg: Uint8Array, sig: Uint8Array, isInit?: boolean): boolean;
  calculateSignature(privKey: Uint8Array, message: Uint8Array): Buffer;
}

/** curve25519-js, the arithmetic under libsignal's curve.js (the instance libsignal itself loads). */
interface Curve25519Js {
  sign(secretKey: Uint8Array, msg: Uint8Array, random?: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, msg: Uint8Array, signature: Uint8Array): boolean;
}

const requireHere = createRequire(import.meta.url);
const libsignalCurvePath = requireHere.resolve('libsignal/src/curve.js');
const libsignalCurve = requireHere(libsignalCurvePath) as CurveFunctions;
const curve25519Js = createRequire(libsignalCurvePath)('curve25519-js') as Curve25519Js;
const originals = {
  verifySignature: libsignalCurve.verifySignature,
  calculateSignature: libsignalCurve.calculateSignature,
  sign: Curve.sign,
  jsSign: curve25519Js.sign,
  jsVerify: curve25519Js.verify,
};

/**
 * curve25519-js's `sign` and `verify` on native code, with its own argument checks (the originals
 * throw for what they refuse). Baileys' sender-key code (group messages) imports libsignal's
 * `calculateSignature`/`verifySignature` as an ES namespace snapshot, which the swap of libsignal's
 * exports above never reaches; those functions call curve25519-js through its exports object at
 * call time, so this swap does. A signature with caller-supplied randomness keeps the original.
 */
function jsSign(secretKey: Uint8Array, msg: Uint8Array, random?: Uint8Array): Uint8Array {
  if (random !== undefined || !(secretKey instanceof Uint8Array) || !(msg instanceof Uint8Array) || secretKey.length !== 32) {
    return originals.jsSign(secretKey, msg, random);
  }
  return new Uint8Array(xeddsaSign(secretKey, msg));
}

function jsVerify(publicKey: Uint8Array, msg: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || !(msg instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64 || publicKey.length !== 32) {
    return originals.jsVerify(publicKey, msg, signature);
  }
  return xeddsaVerify(publicKey, msg, signature);
}

/** libsignal's own implementations, for the tests that compare against them. */
export const libsignalOriginals: CurveFunctions = {
  verifySignature: originals.verifySignature,
  calculateSignature: originals.calculateSignature,
};

/**
 * Swaps the native implementations in (`true`) or puts libsignal's back (`false`). Idempotent.
 * Either way `Curve.verify` is the one that fails a bad signature (noise-trust.ts), over whichever
 * `verifySignature` is in use.
 */
export function useNativeCurve(enabled: boolean): void {
  libsignalCurve.verifySignature = enabled ? verifySignature : originals.verifySignature;
  libsignalCurve.calculateSignature = enabled ? calculateSignature : originals.calculateSignature;
  // Baileys' wrapper, same body as in Baileys' Utils/crypto.js, over the chosen function.
  Curve.sign = enabled ? (privateKey, buf) => calculateSignature(privateKey, buf) : originals.sign;
  curve25519Js.sign = enabled ? jsSign : originals.jsSign;
  curve25519Js.verify = enabled ? jsVerify : originals.jsVerify;
  installCertificateChecks();
}

export const isNativeCurveInUse = (): boolean =>
  libsignalCurve.verifySignature === verifySignature && Curve.sign !== originals.sign && curve25519Js.sign === jsSign && curve25519Js.verify === jsVerify;
