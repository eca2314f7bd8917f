/**
 * Binary node helpers for the simulator: thin, typed wrappers over Baileys' WABinary codec plus
 * small builders for the stanzas the server sends again and again.
 */
import { inflateSync } from 'node:zlib';
import { encodeBinaryNode, S_WHATSAPP_NET, type BinaryNode } from '@whiskeysockets/baileys';
import * as constants from '@whiskeysockets/baileys/lib/WABinary/constants.js';
import { decodeDecompressedBinaryNode } from '@whiskeysockets/baileys/lib/WABinary/decode.js';

export type { BinaryNode };
export { S_WHATSAPP_NET };

/** Encodes a node to the wire form (flag byte + tokens) Baileys expects. */
export function encodeNode(node: BinaryNode): Buffer {
  return encodeBinaryNode(node);
}

/** Decodes a decrypted transport frame synchronously (the client never compresses, but handle it). */
export function decodeNode(frame: Buffer): BinaryNode {
  const flags = frame[0] ?? 0;
  const body = (flags & 2) !== 0 ? inflateSync(frame.subarray(1)) : frame.subarray(1);
  return decodeDecompressedBinaryNode(body, constants);
}

export function children(node: BinaryNode | undefined): BinaryNode[] {
  return node && Array.isArray(node.content) ? node.content : [];
}

export function child(node: BinaryNode | undefined, tag: string): BinaryNode | undefined {
  return children(node).find((c) => c.tag === tag);
}

export function childrenByTag(node: BinaryNode | undefined, tag: string): BinaryNode[] {
  return children(node).filter((c) => c.tag === tag);
}

export function bytes(node: BinaryNode | undefined): Buffer | undefined {
  const content = node?.content;
  if (content instanceof Uint8Array) return Buffer.from(content);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return undefined;
}

export function childBytes(node: BinaryNode | undefined, tag: string): Buffer | undefined {
  return bytes(child(node, tag));
}

export function readUIntBE(buf: Buffer | undefined): number {
  if (!buf || buf.length === 0) return 0;
  let n = 0;
  for (const b of buf) n = n * 256 + b;
  return n;
}

export function uintBE(value: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

export function node(tag: string, attrs: Record<string, string | undefined> = {}, content?: BinaryNode['content']): BinaryNode {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = v;
  return content === undefined ? { tag, attrs: clean } : { tag, attrs: clean, content };
}

export function iqResult(request: BinaryNode, content?: BinaryNode[]): BinaryNode {
  return node('iq', { from: S_WHATSAPP_NET, type: 'result', id: request.attrs.id }, content);
}

export function iqError(request: BinaryNode, code: number, text: string): BinaryNode {
  return node('iq', { from: S_WHATSAPP_NET, type: 'error', id: request.attrs.id }, [node('error', { code: String(code), text })]);
}

export function unixSeconds(date = Date.now()): string {
  return String(Math.floor(date / 1000));
}
