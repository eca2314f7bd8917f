/**
 * Conversions at upload (sandbox mode, real Baileys on the simulator): a `voice` upload in mp3,
 * m4a, wav or Ogg Vorbis becomes an Ogg Opus voice note with duration and waveform, which the
 * contact's phone receives as a ptt; a `sticker` from PNG or JPEG becomes a 512×512 WebP. A file
 * that cannot be converted is a 422, an empty one a 400; no temporary file is left behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { png, upload } from '../support/media-fixtures.js';
import { linkSandboxSession, newUser, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const FFMPEG = join(dirname(createRequire(import.meta.url).resolve('@ffmpeg-installer/linux-x64/package.json')), 'ffmpeg');

/** 2 s of a 440 Hz tone in the format of `extension` (encoded by the same ffmpeg npm installs). */
function tone(dir: string, extension: string, codec: string[]): Buffer {
  const out = join(dir, `tone.${extension}`);
  execFileSync(FFMPEG, ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', ...codec, '-y', out]);
  return readFileSync(out);
}

const leftovers = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('wa-voice-'));

describe('media conversions: voice notes and stickers', () => {
  let t: TestApp;
  let user: TestUser;
  let fixtures: Record<string, Buffer>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conversion-fixtures-'));
    fixtures = {
      'voice.mp3': tone(dir, 'mp3', ['-c:a', 'libmp3lame']),
      'voice.m4a': tone(dir, 'm4a', ['-c:a', 'aac']),
      'voice.wav': tone(dir, 'wav', []),
      'voice.ogg': tone(dir, 'ogg', ['-c:a', 'libvorbis']),
    };
    rmSync(dir, { recursive: true, force: true });
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    user = await newUser(t);
    await linkSandboxSession(t, user.token);
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('converts mp3, m4a, wav and Ogg Vorbis voice uploads to Ogg Opus with duration and waveform; the contact gets a ptt', async () => {
    const before = leftovers();
    for (const [fileName, bytes] of Object.entries(fixtures)) {
      const up = await upload(t, { token: user.token, kind: 'voice', file: { bytes, fileName } });
      expect([fileName, up.status, up.body.error ?? null]).toEqual([fileName, 201, null]);
      expect(up.body).toMatchObject({ kind: 'voice', mime: 'audio/ogg; codecs=opus' });
      const content = await fetch(`${t.baseUrl}/media/${up.body.id}/content`, { headers: { authorization: `Bearer ${user.token}` } });
      const ogg = Buffer.from(await content.arrayBuffer());
      expect(ogg.subarray(0, 4).toString()).toBe('OggS');
      expect(ogg.includes(Buffer.from('OpusHead'))).toBe(true);
      const media = await call(t, 'GET', `/media/${up.body.id}`, { token: user.token });
      expect(media.body).toMatchObject({ duration: 2, fileName: fileName.replace(/\.\w+$/, '.ogg') });
    }
    expect(leftovers()).toEqual(before);

    const to = uniquePhone();
    const up = await upload(t, { token: user.token, kind: 'voice', file: { bytes: fixtures['voice.mp3']!, fileName: 'note.mp3' } });
    const sent = await call(t, 'POST', `/chats/${to}/messages`, { token: user.token, body: { mediaId: up.body.id } });
    expect(sent.status).toBe(201);
    const got = await t.app.get(SandboxService).simulator.waitForSentMessage((m) => m.id === sent.body.id && m.decryptedBy.includes('contact'));
    const audio = got.message?.audioMessage;
    expect(audio).toMatchObject({ ptt: true, seconds: 2, mimetype: 'audio/ogg; codecs=opus' });
    expect(audio?.waveform).toHaveLength(64);
    expect(Math.max(...audio!.waveform!)).toBe(100);
  });

  it('makes PNG and JPEG stickers 512×512 WebPs', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 120, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
    for (const [fileName, bytes] of [['s.png', await png(64, 48)], ['s.jpg', jpeg]] as const) {
      const up = await upload(t, { token: user.token, kind: 'sticker', file: { bytes, fileName } });
      expect(up.status).toBe(201);
      expect(up.body).toMatchObject({ kind: 'sticker', mime: 'image/webp' });
      const content = await fetch(`${t.baseUrl}/media/${up.body.id}/content`, { headers: { authorization: `Bearer ${user.token}` } });
      const meta = await sharp(Buffer.from(await content.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 512, 512]);
    }
  });

  it('refuses what it cannot convert with a 422, an empty file with a 400', async () => {
    const before = leftovers();
    // An MP3 frame header followed by noise: detected as audio, not decodable.
    const broken = Buffer.concat([Buffer.from('ID3'), Buffer.from([3, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(64, 0x55)]);
    const bad = await upload(t, { token: user.token, kind: 'voice', file: { bytes: broken, fileName: 'broken.mp3' } });
    expectErrorShape({ ...bad, headers: new Headers() }, 422);
    const truncatedPng = (await png(64, 48)).subarray(0, 60);
    const badSticker = await upload(t, { token: user.token, kind: 'sticker', file: { bytes: truncatedPng, fileName: 's.png' } });
    expectErrorShape({ ...badSticker, headers: new Headers() }, 422);
    const empty = await upload(t, { token: user.token, kind: 'voice', file: { bytes: Buffer.alloc(0), fileName: 'empty.mp3' } });
    expectErrorShape({ ...empty, headers: new Headers() }, 400);
    expect(leftovers()).toEqual(before);
  });
});
