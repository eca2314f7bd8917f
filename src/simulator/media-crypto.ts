/**
 * WhatsApp media encryption (WA-PROTOCOL-2 §0.3): keys from Baileys' own `getMediaKeys` (HKDF of the
 * 32-byte media key, per media type), AES-256-CBC with PKCS#7, and the first 10 bytes of an
 * HMAC-SHA256 over iv ‖ ciphertext appended. The hashes are those the message carries.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { getMediaKeys, type MediaType } from '@whiskeysockets/baileys';

const MAC_LENGTH = 10;

export interface EncryptedMedia {
  mediaKey: Buffer;
  /** ciphertext ‖ mac: what is uploaded and downloaded. */
  file: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
  fileLength: number;
}

async function keysFor(mediaKey: Uint8Array, type: MediaType): Promise<{ iv: Uint8Array; cipherKey: Uint8Array; macKey: Uint8Array }> {
  const { iv, cipherKey, macKey } = await getMediaKeys(mediaKey, type);
  if (!macKey) throw new Error('no media MAC key');
  return { iv, cipherKey, macKey };
}

export const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

export async function encryptMedia(plain: Buffer, type: MediaType): Promise<EncryptedMedia> {
  const mediaKey = randomBytes(32);
  const { iv, cipherKey, macKey } = await keysFor(mediaKey, type);
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, MAC_LENGTH);
  const file = Buffer.concat([ciphertext, mac]);
  return { mediaKey, file, fileSha256: sha256(plain), fileEncSha256: sha256(file), fileLength: plain.length };
}

/** Decrypts a media file, checking its MAC (a wrong key or type fails loudly). */
export async function decryptMedia(file: Buffer, mediaKey: Uint8Array, type: MediaType): Promise<Buffer> {
  if (file.length < MAC_LENGTH + 16) throw new Error('media file too short');
  const { iv, cipherKey, macKey } = await keysFor(mediaKey, type);
  const ciphertext = file.subarray(0, file.length - MAC_LENGTH);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, MAC_LENGTH);
  if (!timingSafeEqual(mac, file.subarray(file.length - MAC_LENGTH))) throw new Error('media MAC mismatch');
  const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}
