/**
 * The JSON text of Baileys' credentials and Signal keys, as `BufferJSON` writes it: bytes as
 * `{"type":"Buffer","data":"<base64>"}`. Key pairs (812 pre-keys per onboarding) take a direct
 * path that yields the same text without JSON.stringify's replacer, which first turns every byte
 * array into an array of numbers; everything else goes through BufferJSON itself.
 */
import { BufferJSON } from '@whiskeysockets/baileys';

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** `{ a: bytes, b: bytes, … }` (a key pair) as BufferJSON would write it; undefined for any other shape. */
function encodeByteRecord(value: object): string | undefined {
  if (Array.isArray(value) || value instanceof Uint8Array || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const parts: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    if (!(field instanceof Uint8Array)) return undefined;
    parts.push(`${JSON.stringify(key)}:{"type":"Buffer","data":"${base64(field)}"}`);
  }
  return parts.length > 0 ? `{${parts.join(',')}}` : undefined;
}

export const encodeAuthJson = (value: unknown): string =>
  (value !== null && typeof value === 'object' ? encodeByteRecord(value) : undefined) ?? JSON.stringify(value, BufferJSON.replacer);

export const decodeAuthJson = <T>(json: string): T => JSON.parse(json, BufferJSON.reviver) as T;
