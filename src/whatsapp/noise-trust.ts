/**
 * Who the Noise handshake trusts, and signatures that really fail.
 *
 * Baileys rc14's `Curve.verify` only catches throws and ignores the boolean that libsignal's
 * `verifySignature` returns, so any signature passes: the server's certificate chain
 * (`Utils/noise-handler.js`) and the phone's account signature at pairing
 * (`Utils/validate-connection.js`) are never really checked. Baileys acts on a `false` from
 * `Curve.verify` in both places (it throws and the connection ends), so the fix lives here, at a
 * seam we own, without forking Baileys: `installCertificateChecks()` replaces `Curve.verify` with
 * one that returns libsignal's (or the native seam's, whichever is in use) result.
 *
 * On top, two checks of the chain Baileys leaves out:
 * - the root: Baileys checks the intermediate certificate against `WA_CERT_DETAILS.PUBLIC_KEY`,
 *   WhatsApp's long-term key; a verify against that key is answered with the one trusted root
 *   (`trustNoiseRoot`: WhatsApp's unless WA_TRUSTED_ROOT_PUBLIC_KEY or the sandbox names another).
 * - the binding: the leaf certificate must certify the server's static Noise key, or a man in the
 *   middle could replay WhatsApp's own (public) chain with a static key of his. `processHandshake`
 *   is synchronous: its last `Curve.sharedKey` is with the server's static key, then it verifies the
 *   leaf (by the intermediate's key), then the intermediate (by the root). The root verify checks
 *   that the leaf it just saw certifies that static key; any other order fails closed.
 *
 * The trusted root is process-wide, like `Curve` itself.
 */
import { createRequire } from 'node:module';
import { Curve, generateSignalPubKey, proto, WA_CERT_DETAILS } from '@whiskeysockets/baileys';

type VerifySignature = (pubKey: Uint8Array, msg: Uint8Array, sig: Uint8Array, isInit?: boolean) => boolean;
// libsignal's CommonJS exports, read at call time: the native seam may have swapped the function in.
const libsignalCurve = createRequire(import.meta.url)('libsignal/src/curve.js') as { verifySignature: VerifySignature };

/** WhatsApp's long-term root key (Baileys' `WA_CERT_DETAILS.PUBLIC_KEY`), trusted by default. */
export const WHATSAPP_ROOT_PUBLIC_KEY: Buffer = Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);

let trustedRoot = WHATSAPP_ROOT_PUBLIC_KEY;
/** The peer of the last `Curve.sharedKey` (in a handshake: the server's static key). */
let lastAgreementPeer: Buffer | undefined;
/** The last verify that was not against the root (in a handshake: the leaf, by the intermediate). */
let lastVerified: { key: Buffer; message: Buffer } | undefined;

const originals = { verify: Curve.verify, sharedKey: Curve.sharedKey };

/** Trusts `publicKey` (32 bytes) as the root of the server's Noise certificate chain, instead of any other. */
export function trustNoiseRoot(publicKey: Uint8Array): void {
  if (publicKey.byteLength !== 32) throw new Error('A Noise root public key is 32 bytes');
  trustedRoot = Buffer.from(publicKey);
}

export const trustedNoiseRoot = (): Buffer => Buffer.from(trustedRoot);

/** `true` only for a valid signature; `false` for a bad one or malformed input (never throws). */
export function verifyCurveSignature(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return libsignalCurve.verifySignature(generateSignalPubKey(Buffer.from(pubKey)), message, signature) === true;
  } catch {
    return false;
  }
}

/** The leaf just verified was issued by the intermediate `intermediateDetails` and certifies the server's static key. */
function leafCertifiesServerStatic(intermediateDetails: Uint8Array): boolean {
  const leaf = lastVerified;
  const serverStatic = lastAgreementPeer;
  lastVerified = undefined;
  if (!leaf || !serverStatic) return false;
  try {
    const intermediate = proto.CertChain.NoiseCertificate.Details.decode(intermediateDetails);
    const details = proto.CertChain.NoiseCertificate.Details.decode(leaf.message);
    return !!intermediate.key && leaf.key.equals(Buffer.from(intermediate.key)) && !!details.key && serverStatic.equals(Buffer.from(details.key));
  } catch {
    return false;
  }
}

function verify(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!Buffer.from(pubKey).equals(WA_CERT_DETAILS.PUBLIC_KEY)) {
    lastVerified = { key: Buffer.from(pubKey), message: Buffer.from(message) };
    return verifyCurveSignature(pubKey, message, signature);
  }
  // The intermediate certificate, against the trusted root; then the leaf's binding to the static key.
  return verifyCurveSignature(trustedRoot, message, signature) && leafCertifiesServerStatic(message);
}

const sharedKey: typeof Curve.sharedKey = (privateKey, publicKey) => {
  lastAgreementPeer = Buffer.from(publicKey);
  return originals.sharedKey(privateKey, publicKey);
};

/** Puts the checking `Curve.verify` (and the recording `Curve.sharedKey`) in Baileys' `Curve`. Idempotent. */
export function installCertificateChecks(): void {
  Curve.verify = verify;
  Curve.sharedKey = sharedKey;
}

export const certificateChecksInstalled = (): boolean => Curve.verify === verify && Curve.sharedKey === sharedKey;

/** Baileys' own, accept-anything `Curve.verify`: for the regression test only. */
export const baileysOriginalVerify = originals.verify;
