import { Readable } from 'node:stream';
import type { proto } from '@whiskeysockets/baileys';
import { inboundMediaOf, outboundMediaContent, type OutboundMedia } from './media-messages.js';

const key = new Uint8Array(32).fill(9);

describe('inboundMediaOf', () => {
  it('reads an image with its caption, key, path and hashes', () => {
    const media = inboundMediaOf({
      imageMessage: {
        mimetype: 'image/png', caption: 'Foto', mediaKey: key, directPath: '/v/t62/abc.enc', url: 'https://127.0.0.1:4443/v/t62/abc.enc',
        fileSha256: new Uint8Array([1, 2, 255]), fileLength: 1234, width: 64, height: 48,
      },
    });
    expect(media).toEqual({
      kind: 'image', mediaType: 'image', mime: 'image/png', fileName: null, caption: 'Foto', size: 1234, mediaKey: Buffer.from(key),
      directPath: '/v/t62/abc.enc', url: 'https://127.0.0.1:4443/v/t62/abc.enc', fileSha256: '0102ff', width: 64, height: 48, seconds: null,
    });
  });

  it.each<[string, proto.IMessage, string, string]>([
    ['voice note', { audioMessage: { ptt: true, mediaKey: key, seconds: 3 } }, 'voice', 'audio/ogg; codecs=opus'],
    ['audio', { audioMessage: { mediaKey: key, mimetype: 'audio/mpeg' } }, 'audio', 'audio/mpeg'],
    ['video', { videoMessage: { mediaKey: key } }, 'video', 'video/mp4'],
    ['sticker', { stickerMessage: { mediaKey: key } }, 'sticker', 'image/webp'],
    ['document in a caption wrapper', { documentWithCaptionMessage: { message: { documentMessage: { mediaKey: key, fileName: 'a.pdf', mimetype: 'application/pdf' } } } }, 'document', 'application/pdf'],
    ['view-once image in an ephemeral wrapper', { ephemeralMessage: { message: { viewOnceMessageV2: { message: { imageMessage: { mediaKey: key } } } } } }, 'image', 'image/jpeg'],
  ])('reads a %s', (_name, message, kind, mime) => {
    expect(inboundMediaOf(message)).toMatchObject({ kind, mime });
  });

  it('ignores messages without media, or without a media key', () => {
    expect(inboundMediaOf({ conversation: 'hola' })).toBeUndefined();
    expect(inboundMediaOf({ imageMessage: { mimetype: 'image/jpeg' } })).toBeUndefined();
    expect(inboundMediaOf(null)).toBeUndefined();
  });
});

describe('outboundMediaContent', () => {
  const base: OutboundMedia = { kind: 'image', mime: 'image/png', fileName: 'p.png', width: 64, height: 48, durationSeconds: null, thumbnail: Buffer.from([1, 2]) };
  const body = Readable.from([Buffer.from('x')]);

  it('sends an image with its caption, size and thumbnail', () => {
    expect(outboundMediaContent(base, body, 'Foto')).toEqual({
      image: { stream: body }, mimetype: 'image/png', caption: 'Foto', width: 64, height: 48, jpegThumbnail: 'AQI=',
    });
  });

  it('sends a voice note as ptt audio and a document with its file name', () => {
    expect(outboundMediaContent({ ...base, kind: 'voice', mime: 'audio/ogg; codecs=opus', durationSeconds: 4, thumbnail: null }, body)).toEqual({
      audio: { stream: body }, mimetype: 'audio/ogg; codecs=opus', ptt: true, seconds: 4,
    });
    expect(outboundMediaContent({ ...base, kind: 'document', mime: 'application/pdf', fileName: 'Factura.pdf' }, body, 'ver')).toEqual({
      document: { stream: body }, mimetype: 'application/pdf', fileName: 'Factura.pdf', caption: 'ver',
    });
    expect(outboundMediaContent({ ...base, kind: 'sticker', mime: 'image/webp', thumbnail: null }, body)).toEqual({
      sticker: { stream: body }, mimetype: 'image/webp', width: 64, height: 48,
    });
  });
});
