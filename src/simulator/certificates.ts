/**
 * The simulator's own Noise certificate chain: a root key (plays WhatsApp's long-term key, which a
 * test client may trust via WA_CERT_DETAILS.PUBLIC_KEY), an intermediate signed by the root
 * (issuerSerial 0, as the client checks) and a leaf for the server's static Noise key.
 */
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

export function createCertificateChain(root: KeyPair = newKeyPair()): CertificateChain {
  const intermediate = newKeyPair();
  const serverStatic = newKeyPair();
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
    key: serverStatic.public,
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
