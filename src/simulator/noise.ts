/**
 * Server side of WhatsApp's Noise XX handshake (Noise_XX_25519_AESGCM_SHA256) and the transport that
 * follows it. Mirrors the client state machine in baileys/lib/Utils/noise-handler.js.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { Curve, NOISE_MODE, NOISE_WA_HEADER, proto } from '@whiskeysockets/baileys';
import { newKeyPair, type KeyPair } from './certificates.js';

const EMPTY = Buffer.alloc(0);
const TAG_LENGTH = 16;

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter >>> 0, 8);
  return iv;
}

function gcmEncrypt(plaintext: Uint8Array, key: Buffer, iv: Buffer, aad: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function gcmDecrypt(ciphertext: Uint8Array, key: Buffer, iv: Buffer, aad: Buffer): Buffer {
  const data = Buffer.from(ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_LENGTH)), decipher.final()]);
}

function split(ikm: Buffer, salt: Buffer): [Buffer, Buffer] {
  const out = Buffer.from(hkdfSync('sha256', ikm, salt, EMPTY, 64));
  return [out.subarray(0, 32), out.subarray(32)];
}

/** Encrypted transport after the handshake: AES-256-GCM with a counter IV, one counter per direction. */
export class NoiseTransport {
  private readCounter = 0;
  private writeCounter = 0;
  constructor(
    private readonly encKey: Buffer,
    private readonly decKey: Buffer,
  ) {}

  encrypt(plaintext: Uint8Array): Buffer {
    return gcmEncrypt(plaintext, this.encKey, ivFor(this.writeCounter++), EMPTY);
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    return gcmDecrypt(ciphertext, this.decKey, ivFor(this.readCounter++), EMPTY);
  }
}

export interface ClientFinishResult {
  /** The client's static Noise key (creds.noiseKey.public). */
  clientStatic: Buffer;
  payload: proto.ClientPayload;
  transport: NoiseTransport;
}

/** One server-side handshake; discarded once the transport exists. */
export class NoiseServerHandshake {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair;

  constructor(
    private readonly staticKey: KeyPair,
    private readonly certChain: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
    this.ephemeral = newKeyPair();
    this.authenticate(Buffer.from(NOISE_WA_HEADER));
  }

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixIntoKey(data: Buffer): void {
    const [write, read] = split(data, this.salt);
    this.salt = write;
    this.key = read;
    this.counter = 0;
  }

  private encrypt(plaintext: Uint8Array): Buffer {
    const result = gcmEncrypt(plaintext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(result);
    return result;
  }

  private decrypt(ciphertext: Uint8Array): Buffer {
    const result = gcmDecrypt(ciphertext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return result;
  }

  /** Handles `HandshakeMessage{clientHello}` and returns the encoded `HandshakeMessage{serverHello}`. */
  serverHello(clientHelloFrame: Buffer): Buffer {
    const hello = proto.HandshakeMessage.decode(clientHelloFrame);
    const clientEphemeral = hello.clientHello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.length !== 32) throw new Error('invalid client hello');
    this.authenticate(clientEphemeral);
    this.clientEphemeral = Buffer.from(clientEphemeral);
    this.authenticate(this.ephemeral.public);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const encStatic = this.encrypt(this.staticKey.public);
    this.mixIntoKey(Curve.sharedKey(this.staticKey.private, this.clientEphemeral));
    const encPayload = this.encrypt(this.certChain);
    return Buffer.from(
      proto.HandshakeMessage.encode({
        serverHello: { ephemeral: this.ephemeral.public, static: encStatic, payload: encPayload },
      }).finish(),
    );
  }

  private clientEphemeral: Buffer = EMPTY;

  /** Handles `HandshakeMessage{clientFinish}`; returns the client's identity, login payload and transport. */
  clientFinish(frame: Buffer): ClientFinishResult {
    const msg = proto.HandshakeMessage.decode(frame);
    const fin = msg.clientFinish;
    if (!fin?.static || !fin.payload) throw new Error('invalid client finish');
    const clientStatic = this.decrypt(fin.static);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStatic));
    const payload = proto.ClientPayload.decode(this.decrypt(fin.payload));
    const [write, read] = split(EMPTY, this.salt);
    // The client writes with `write` and reads with `read`: the server does the opposite.
    return { clientStatic, payload, transport: new NoiseTransport(read, write) };
  }
}

/** Splits a byte stream into 3-byte-length-prefixed frames. Keeps leftovers between calls. */
export class FrameReader {
  private buf: Buffer = EMPTY;

  push(data: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    const frames: Buffer[] = [];
    while (this.buf.length >= 3) {
      const size = (this.buf[0]! << 16) | (this.buf[1]! << 8) | this.buf[2]!;
      if (this.buf.length < size + 3) break;
      frames.push(this.buf.subarray(3, size + 3));
      this.buf = this.buf.subarray(size + 3);
    }
    if (this.buf.length === 0) this.buf = EMPTY;
    return frames;
  }
}

export function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = (body.length >>> 16) & 0xff;
  out[1] = (body.length >>> 8) & 0xff;
  out[2] = body.length & 0xff;
  out.set(body, 3);
  return out;
}
