/**
 * Conversions of uploads so that WhatsApp shows them as meant: a `voice` upload in any common
 * audio format becomes Ogg Opus (mono, 48 kHz) with its duration and a 64-bar waveform; a
 * `sticker` from PNG/JPEG/WebP becomes a 512×512 WebP. Off the event loop (ffmpeg as a child
 * process, sharp on libuv's pool), under a time limit, in a private temporary folder removed after.
 * At most (cores − 1, at least 1) conversions run at once per process, the others wait their turn,
 * and ffmpeg runs 10 steps nicer than the app: a burst of uploads never starves the event loop.
 *
 * ffmpeg: the binary npm installs with `@ffmpeg-installer/linux-x64` (shipped in its tarball),
 * else the system's `ffmpeg`; either is used only if it lists the libopus encoder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, getPriority, setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { AppError } from '../common/app-error.js';

const CONVERT_TIMEOUT_MS = 60_000;
/** A voice note is cut at 15 minutes. */
const MAX_VOICE_SECONDS = 900;
const WAVEFORM_BARS = 64;
const WAVEFORM_RATE = 4000;
const STICKER_SIZE = 512;
const CONVERT_CONCURRENCY = Math.max(1, availableParallelism() - 1);
const NICER_BY = 10;

export interface ConvertedVoice {
  bytes: Buffer;
  durationSeconds: number;
  waveform: Buffer;
}

function unconvertible(kind: 'voice' | 'sticker', detail: string): AppError {
  return AppError.unprocessable(`The file could not be converted to a ${kind === 'voice' ? 'voice note (Ogg Opus)' : 'sticker (WebP)'}`, { kind, reason: detail });
}

/** The first ffmpeg that encodes Opus, or null. */
function findFfmpeg(): string | null {
  const candidates: string[] = [];
  try {
    const require = createRequire(import.meta.url);
    candidates.push(join(dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json')), 'ffmpeg'));
  } catch {
    // Not installed on this platform.
  }
  candidates.push('ffmpeg');
  for (const bin of candidates) {
    try {
      if (bin !== 'ffmpeg') accessSync(bin, fsConstants.X_OK);
      const probe = spawnSync(bin, ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 10_000 });
      if (probe.status === 0 && /\blibopus\b/.test(probe.stdout)) return bin;
    } catch {
      // Next candidate.
    }
  }
  return null;
}

/** Runs ffmpeg; resolves with its stdout (capped), rejects on a non-zero exit or the time limit. */
function runFfmpeg(bin: string, args: string[], maxStdout = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-hide_banner', '-nostdin', '-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CONVERT_TIMEOUT_MS);
    try {
      if (child.pid) setPriority(child.pid, Math.min(19, getPriority() + NICER_BY));
    } catch {
      // Not allowed here: it runs at the app's priority.
    }
    child.stdout.on('data', (chunk: Buffer) => {
      if (size < maxStdout) out.push(chunk);
      size += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).subarray(0, maxStdout));
      else reject(new Error(signal === 'SIGKILL' ? 'timeout' : `ffmpeg exited with ${code}`));
    });
  });
}

/** 64 bars 0–100 from 16-bit mono PCM: each bar the mean amplitude of its slice, the loudest 100. */
export function waveformOf(pcm: Buffer): Buffer {
  const samples = Math.floor(pcm.length / 2);
  const bars = new Array<number>(WAVEFORM_BARS).fill(0);
  if (samples === 0) return Buffer.from(bars);
  const per = Math.max(1, Math.floor(samples / WAVEFORM_BARS));
  for (let b = 0; b < WAVEFORM_BARS; b++) {
    let sum = 0;
    let n = 0;
    for (let i = b * per; i < Math.min(samples, (b + 1) * per); i++, n++) sum += Math.abs(pcm.readInt16LE(i * 2));
    bars[b] = n > 0 ? sum / n : 0;
  }
  const peak = Math.max(...bars);
  return Buffer.from(bars.map((v) => (peak > 0 ? Math.round((v / peak) * 100) : 0)));
}

/** At most `free` tasks at once; the others wait their turn, in order. */
export class Slots {
  private waiting: Array<() => void> = [];

  constructor(private free: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

@Injectable()
export class MediaConverter {
  private ffmpeg: string | null | undefined;
  private readonly slots = new Slots(CONVERT_CONCURRENCY);

  private bin(): string {
    if (this.ffmpeg === undefined) this.ffmpeg = findFfmpeg();
    if (!this.ffmpeg) throw AppError.unavailable('Voice notes cannot be converted here: no ffmpeg with Opus was found');
    return this.ffmpeg;
  }

  /** Any audio ffmpeg reads → Ogg Opus voice note with duration and waveform; 422 when it cannot. */
  async toVoice(input: Buffer): Promise<ConvertedVoice> {
    const bin = this.bin();
    return this.slots.run(() => this.voiceOf(bin, input));
  }

  private async voiceOf(bin: string, input: Buffer): Promise<ConvertedVoice> {
    const dir = await mkdtemp(join(tmpdir(), 'wa-voice-'));
    try {
      const source = join(dir, 'in');
      const target = join(dir, 'out.ogg');
      await writeFile(source, input);
      try {
        await runFfmpeg(bin, ['-i', source, '-t', String(MAX_VOICE_SECONDS), '-vn', '-map_metadata', '-1', '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-f', 'ogg', target]);
      } catch (err) {
        throw unconvertible('voice', (err as Error).message === 'timeout' ? 'timeout' : 'not audio ffmpeg can read');
      }
      const bytes = await readFile(target);
      const pcm = await runFfmpeg(bin, ['-i', target, '-ac', '1', '-ar', String(WAVEFORM_RATE), '-f', 's16le', '-'], MAX_VOICE_SECONDS * WAVEFORM_RATE * 2);
      if (pcm.length === 0) throw unconvertible('voice', 'no audio');
      return { bytes, durationSeconds: Math.max(1, Math.round(pcm.length / 2 / WAVEFORM_RATE)), waveform: waveformOf(pcm) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A PNG, JPEG or WebP → a 512×512 WebP (transparent margins keep the aspect); 422 when sharp cannot read it. */
  toSticker(input: Buffer): Promise<Buffer> {
    return this.slots.run(() => this.stickerOf(input));
  }

  private async stickerOf(input: Buffer): Promise<Buffer> {
    try {
      return await sharp(input, { failOn: 'error', limitInputPixels: 50_000_000 })
        .timeout({ seconds: CONVERT_TIMEOUT_MS / 1000 })
        .resize(STICKER_SIZE, STICKER_SIZE, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
        .webp({ quality: 80 })
        .toBuffer();
    } catch {
      throw unconvertible('sticker', 'not an image sharp can read');
    }
  }
}
