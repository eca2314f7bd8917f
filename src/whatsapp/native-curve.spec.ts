import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Curve, proto } from '@whiskeysockets/baileys';
import { createCertificateChain } from '../simulator/certificates.js';
import {
  calculateSignature, isNativeCurveInUse, libsignalOriginals, useNativeCurve, verifySignature, xeddsaSign, xeddsaVerify,
} from './native-curve.js';

interface SignalKeyPair { pubKey: Buffer; privKey: Buffer }
const libsignalCurve = createRequire(import.meta.url)('libsignal/src/curve.js') as {
  generateKeyPair(): SignalKeyPair;
  verifySignature(pub: Buffer, msg: Buffer, sig: Buffer, isInit?: boolean): boolean;
  calculateSignature(priv: Buffer, msg: Buffer): Buffer;
};
const { generateKeyPair } = libsignalCurve;
// libsignal's pure-JS curve is slow (~15 ms an operation): enough keys to cover the sign bit both ways.
const KEYS = 40;

const flipBit = (buf: Buffer, bit: number): Buffer => {
  const out = Buffer.from(buf);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
};

describe('native XEdDSA (the crypto seam)', () => {
  afterAll(() => useNativeCurve(true));

  it('signs byte for byte like libsignal and verifies what libsignal signed, on many random keys', () => {
    const signBits = new Set<number>();
    for (let i = 0; i < KEYS; i++) {
      const { pubKey, privKey } = generateKeyPair();
      const message = randomBytes(1 + ((i * 37) % 300));
      const expected = libsignalOriginals.calculateSignature(privKey, message);
      signBits.add(expected[63] >> 7);
      expect(xeddsaSign(privKey, message).equals(expected)).toBe(true);
      expect(calculateSignature(privKey, message).equals(expected)).toBe(true);
      expect(xeddsaVerify(pubKey.subarray(1), message, expected)).toBe(true);
      expect(verifySignature(pubKey, message, expected)).toBe(libsignalOriginals.verifySignature(pubKey, message, expected));
    }
    expect([...signBits].sort()).toEqual([0, 1]);
  });

  it('rejects a signature, message or key with one flipped bit, as libsignal does', () => {
    for (let i = 0; i < 24; i++) {
      const { pubKey, privKey } = generateKeyPair();
      const message = randomBytes(64);
      const signature = xeddsaSign(privKey, message);
      const sigBit = (i * 53) % 512;
      const badSignature = flipBit(signature, sigBit);
      expect(verifySignature(pubKey, message, badSignature)).toBe(false);
      expect(libsignalOriginals.verifySignature(pubKey, message, badSignature)).toBe(false);
      expect(verifySignature(pubKey, flipBit(message, (i * 29) % 512), signature)).toBe(false);
      // Public key bits 0..253 (bit 255 is ignored by both; 254 may map onto another valid point).
      const badKey = Buffer.concat([pubKey.subarray(0, 1), flipBit(pubKey.subarray(1), (i * 11) % 254)]);
      expect(verifySignature(badKey, message, signature)).toBe(libsignalOriginals.verifySignature(badKey, message, signature));
      expect(verifySignature(badKey, message, signature)).toBe(false);
    }
  });

  it('answers the same for a key it has seen before (its OpenSSL key is cached): good, bad, and not on the curve', () => {
    const { pubKey, privKey } = generateKeyPair();
    const messages = [randomBytes(40), randomBytes(41), randomBytes(42)];
    for (const message of messages) {
      const signature = xeddsaSign(privKey, message);
      expect(xeddsaVerify(pubKey.subarray(1), message, signature)).toBe(true);
      expect(xeddsaVerify(pubKey.subarray(1), message, flipBit(signature, 7))).toBe(false);
      // The sign bit picks the Edwards key: the same key with the other bit is another cache entry.
      expect(xeddsaVerify(pubKey.subarray(1), message, flipBit(signature, 511))).toBe(false);
      expect(xeddsaVerify(pubKey.subarray(1), message, signature)).toBe(true);
    }
    // Another key: refused, the first time and from the cache.
    const other = generateKeyPair().pubKey.subarray(1);
    const signature = xeddsaSign(privKey, messages[0]!);
    expect(xeddsaVerify(other, messages[0]!, signature)).toBe(false);
    expect(xeddsaVerify(other, messages[0]!, signature)).toBe(false);
  });

  it('verifies the simulator certificate chain as libsignal does, and fails it with a flipped bit', () => {
    const chain = createCertificateChain();
    const { intermediate, leaf } = proto.CertChain.decode(chain.encoded);
    const intermediateKey = Buffer.from(proto.CertChain.NoiseCertificate.Details.decode(intermediate!.details!).key!);
    const links: [Buffer, Buffer, Buffer][] = [
      [chain.root.public, Buffer.from(intermediate!.details!), Buffer.from(intermediate!.signature!)],
      [intermediateKey, Buffer.from(leaf!.details!), Buffer.from(leaf!.signature!)],
    ];
    for (const [key, details, signature] of links) {
      const signalKey = Buffer.concat([Buffer.from([5]), key]);
      expect(libsignalOriginals.verifySignature(signalKey, details, signature)).toBe(true);
      expect(verifySignature(signalKey, details, signature)).toBe(true);
      expect(verifySignature(signalKey, details, flipBit(signature, 100))).toBe(false);
      expect(verifySignature(signalKey, flipBit(details, 3), signature)).toBe(false);
    }
  });

  it('keeps libsignal argument checks and its isInit shortcut', () => {
    const { pubKey, privKey } = generateKeyPair();
    const sig = xeddsaSign(privKey, Buffer.from('m'));
    expect(() => verifySignature(Buffer.alloc(31), Buffer.from('m'), sig)).toThrow('Invalid public key');
    expect(() => verifySignature(pubKey, Buffer.from('m'), sig.subarray(0, 63))).toThrow('Invalid signature');
    expect(() => calculateSignature(Buffer.alloc(31), Buffer.from('m'))).toThrow('Incorrect private key length: 31');
    expect(verifySignature(pubKey, Buffer.from('other'), sig, true)).toBe(true);
  });

  it('is swapped in and out of libsignal and Baileys at one switch', () => {
    const { pubKey, privKey } = generateKeyPair();
    const message = randomBytes(40);
    useNativeCurve(false);
    expect(isNativeCurveInUse()).toBe(false);
    expect(libsignalCurve.verifySignature).toBe(libsignalOriginals.verifySignature);
    const slow = Curve.sign(privKey, message);
    useNativeCurve(true);
    expect(isNativeCurveInUse()).toBe(true);
    expect(libsignalCurve.calculateSignature).toBe(calculateSignature);
    expect(Buffer.from(Curve.sign(privKey, message)).equals(Buffer.from(slow))).toBe(true);
    // Baileys' Curve.verify is the seam's (noise-trust.ts): false for malformed input and for a bad signature.
    expect(Curve.verify(pubKey.subarray(1), message, slow)).toBe(true);
    expect(Curve.verify(Buffer.alloc(5), message, slow)).toBe(false);
    expect(Curve.verify(pubKey.subarray(1), message, flipBit(Buffer.from(slow), 9))).toBe(false);
  });

  it('reaches libsignal\'s own functions, as Baileys\' sender-key code holds them: same signatures, bad ones refused', () => {
    // Baileys' group cipher imports calculateSignature/verifySignature as an ES snapshot: the
    // originals, which call curve25519-js at call time.
    const curve25519Js = createRequire(createRequire(import.meta.url).resolve('libsignal/src/curve.js'))('curve25519-js') as { sign: unknown; verify: unknown };
    const { pubKey, privKey } = generateKeyPair();
    const message = randomBytes(70);
    useNativeCurve(false);
    const jsSign = curve25519Js.sign;
    const slow = libsignalOriginals.calculateSignature(privKey, message);
    useNativeCurve(true);
    expect(curve25519Js.sign).not.toBe(jsSign);
    const fast = libsignalOriginals.calculateSignature(privKey, message);
    expect(Buffer.from(fast).equals(Buffer.from(slow))).toBe(true);
    expect(libsignalOriginals.verifySignature(pubKey, message, fast)).toBe(true);
    expect(libsignalOriginals.verifySignature(pubKey, message, flipBit(Buffer.from(fast), 77))).toBe(false);
    expect(() => libsignalOriginals.verifySignature(pubKey, message, Buffer.from(fast).subarray(0, 60))).toThrow('Invalid signature');
  });
});
