import { randomBytes } from 'node:crypto';
import { Curve, WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import { newKeyPair } from '../simulator/certificates.js';
import { useNativeCurve } from './native-curve.js';
import {
  baileysOriginalVerify, certificateChecksInstalled, trustedNoiseRoot, trustNoiseRoot, verifyCurveSignature, WHATSAPP_ROOT_PUBLIC_KEY,
} from './noise-trust.js';

const flipBit = (buf: Uint8Array, bit: number): Buffer => {
  const out = Buffer.from(buf);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
};

describe("Baileys' Curve.verify through the seam (issue 30, item 8)", () => {
  afterAll(() => {
    useNativeCurve(true);
    trustNoiseRoot(WHATSAPP_ROOT_PUBLIC_KEY);
  });

  it('is what Baileys ships: any signature passes (the bug the seam fixes)', () => {
    const key = newKeyPair();
    const message = randomBytes(48);
    expect(baileysOriginalVerify(key.public, message, flipBit(Curve.sign(key.private, message), 7))).toBe(true);
  });

  it.each([['native', true], ['libsignal (WA_NATIVE_CRYPTO=false)', false]])(
    'rejects a tampered signature, message or key with the %s implementation',
    (_, native) => {
      useNativeCurve(native);
      expect(certificateChecksInstalled()).toBe(true);
      for (let i = 0; i < 8; i++) {
        const key = newKeyPair();
        const message = randomBytes(32 + i);
        const signature = Curve.sign(key.private, message);
        expect(Curve.verify(key.public, message, signature)).toBe(true);
        expect(Curve.verify(key.public, message, flipBit(signature, (i * 67) % 512))).toBe(false);
        expect(Curve.verify(key.public, flipBit(message, i), signature)).toBe(false);
        expect(Curve.verify(flipBit(key.public, 8 + i), message, signature)).toBe(false);
        expect(Curve.verify(newKeyPair().public, message, signature)).toBe(false);
      }
      // Malformed input is false too, never a throw.
      expect(verifyCurveSignature(Buffer.alloc(5), Buffer.from('m'), Buffer.alloc(64))).toBe(false);
      expect(Curve.verify(newKeyPair().public, Buffer.from('m'), Buffer.alloc(63))).toBe(false);
    },
  );

  it("answers a verify against WhatsApp's root key with the trusted root only", () => {
    useNativeCurve(true);
    const simulatorRoot = newKeyPair();
    const message = randomBytes(40);
    const bySimulatorRoot = Curve.sign(simulatorRoot.private, message);
    // Out of a handshake (no leaf just verified for a server static key) even a good signature fails closed.
    trustNoiseRoot(simulatorRoot.public);
    expect(trustedNoiseRoot().equals(simulatorRoot.public)).toBe(true);
    expect(Curve.verify(WA_CERT_DETAILS.PUBLIC_KEY, message, bySimulatorRoot)).toBe(false);
    trustNoiseRoot(WHATSAPP_ROOT_PUBLIC_KEY);
    expect(Curve.verify(WA_CERT_DETAILS.PUBLIC_KEY, message, bySimulatorRoot)).toBe(false);
    expect(() => trustNoiseRoot(Buffer.alloc(33))).toThrow('32 bytes');
  });
});
