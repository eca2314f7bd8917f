/** Small, real files of every media kind, made here (no binary fixtures in the repository). */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { TestApp } from './test-app.js';

export type Kind = 'image' | 'video' | 'audio' | 'voice' | 'document' | 'sticker';

export interface Fixture {
  kind: Kind;
  fileName: string;
  mime: string;
  bytes: Buffer;
}

export const sha256 = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function png(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
}

export async function webp(size = 512): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 4, background: { r: 0, g: 120, b: 255, alpha: 0.5 } } }).webp().toBuffer();
}

/** An MP4 header (ftyp + an empty mdat): enough for type detection. */
export function mp4(): Buffer {
  const ftyp = Buffer.concat([u32(24), Buffer.from('ftypisom'), u32(0x200), Buffer.from('isommp41')]);
  const payload = Buffer.alloc(2048, 7);
  return Buffer.concat([ftyp, u32(8 + payload.length), Buffer.from('mdat'), payload]);
}

/** An MP3 with an ID3v2 tag and MPEG frame headers. */
export function mp3(): Buffer {
  const id3 = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]);
  const frame = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)]);
  return Buffer.concat([id3, ...Array.from({ length: 20 }, () => frame)]);
}

/** The first Ogg page of an Opus stream (OpusHead), as a voice note starts. */
export function oggOpus(): Buffer {
  const head = Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 1, 0x38, 0x01]), u32le(48000), Buffer.from([0, 0, 0])]);
  const page = Buffer.concat([
    Buffer.from('OggS'), Buffer.from([0, 2]), Buffer.alloc(8), u32le(1), u32le(0), u32le(0), Buffer.from([1, head.length]), head,
  ]);
  return Buffer.concat([page, Buffer.alloc(600, 1)]);
}

export function pdf(): Buffer {
  return Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
}

export async function everyKind(): Promise<Fixture[]> {
  return [
    { kind: 'image', fileName: 'photo.png', mime: 'image/png', bytes: await png() },
    { kind: 'sticker', fileName: 'sticker.webp', mime: 'image/webp', bytes: await webp() },
    { kind: 'video', fileName: 'clip.mp4', mime: 'video/mp4', bytes: mp4() },
    { kind: 'audio', fileName: 'song.mp3', mime: 'audio/mpeg', bytes: mp3() },
    { kind: 'voice', fileName: 'voice.ogg', mime: 'audio/ogg; codecs=opus', bytes: oggOpus() },
    { kind: 'document', fileName: 'Factura nº 7.pdf', mime: 'application/pdf', bytes: pdf() },
  ];
}

export interface UploadOptions {
  token: string;
  kind?: string;
  file?: { bytes: Buffer; fileName: string; type?: string };
  /** Put `kind` after `file` in the form. */
  kindLast?: boolean;
  fields?: Record<string, string>;
  query?: string;
}

/** POST /media as a browser's FormData would send it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function upload(t: TestApp, options: UploadOptions): Promise<{ status: number; body: any }> {
  const form = new FormData();
  const addKind = (): void => {
    if (options.kind !== undefined) form.append('kind', options.kind);
  };
  if (!options.kindLast) addKind();
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  if (options.file) {
    form.append('file', new Blob([new Uint8Array(options.file.bytes)], { type: options.file.type ?? 'application/octet-stream' }), options.file.fileName);
  }
  if (options.kindLast) addKind();
  const res = await fetch(`${t.baseUrl}/media${options.query ?? ''}`, { method: 'POST', body: form, headers: { authorization: `Bearer ${options.token}` } });
  return { status: res.status, body: await res.json() };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
