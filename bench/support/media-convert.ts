/**
 * `npm run bench:media -- --convert`: the conversions of POST /media, through the running app.
 *  - voice: a 60 s MP3 (a tone made here with the product's ffmpeg) uploaded as kind `voice`
 *    (→ Ogg Opus, duration and waveform); sticker: a ~1 MB PNG of noise (sharp) as kind `sticker`
 *    (→ 512×512 WebP), from a child process (upload-child.ts, so that the client's work is not the
 *    app's). Wall time and CPU time (this process plus its reaped children: ffmpeg) of one
 *    conversion, median of `rounds`;
 *  - 10 of each at once: peak RSS of this process over its baseline, and of the ffmpeg children
 *    summed (sampled every 20 ms); the event loop's worst delay (perf_hooks.monitorEventLoopDelay),
 *    worst gap of a 5 ms timer, and worst busy gap (the part of a gap the main thread spent on the
 *    CPU: blocked by this process's own work, not by a loaded machine), per phase (targets: RSS
 *    +< 100 MB, no gap > 50 ms).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import sharp from 'sharp';
import { round } from './stats.js';
import type { UploadReply, UploadRequest } from './upload-child.js';

const MB = 1024 * 1024;
const TICKS_PER_SECOND = 100;

/** The ffmpeg that `npm install` brings (@ffmpeg-installer/linux-x64), as the product uses it. */
function ffmpegBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json')), 'ffmpeg');
}

/** A 60 s 440 Hz tone as a 128 kb/s MP3. */
export function mp3Tone(seconds = 60): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3', '-'];
    const child = spawn(ffmpegBin(), args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited with ${code}`))));
  });
}

/** A PNG of random pixels of about 1 MB (noise does not compress), under the 1 MiB sticker limit. */
export function noisePng(side = 576): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

/** CPU ms of this process and of its children that ended (cutime + cstime, /proc/self/stat). */
function cpuMs(): number {
  const own = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (own.user + own.system) / 1000 + ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}

/** CPU ms the main thread (the event loop) has used. */
function threadCpuMs(): number {
  // Node ≥ 23.9 (this project runs 24); @types/node does not list it yet.
  const { user, system } = (process as unknown as { threadCpuUsage(): NodeJS.CpuUsage }).threadCpuUsage();
  return (user + system) / 1000;
}

/** RSS bytes of this process's live children (ffmpeg) but `except` (the uploader), from /proc. */
function childrenRss(except: number | undefined): number {
  let total = 0;
  let pids: string[];
  try {
    pids = readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  } catch {
    return 0;
  }
  for (const pid of pids) {
    if (Number(pid) === except) continue;
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** The uploading child process (upload-child.ts). */
class Uploader {
  private nextId = 1;
  private readonly pending = new Map<number, (r: UploadReply) => void>();

  private constructor(readonly child: ChildProcess, private readonly base: string, private readonly token: string, private readonly files: Record<'voice' | 'sticker', string>) {
    child.on('message', (m: UploadReply) => this.pending.get(m.id)?.(m));
  }

  static async start(base: string, token: string, files: Record<'voice' | 'sticker', string>): Promise<Uploader> {
    const child = fork(fileURLToPath(new URL('./upload-child.ts', import.meta.url)), [], { execArgv: process.execArgv.filter((a) => a !== '--expose-gc') });
    await new Promise((resolve) => child.once('message', resolve));
    return new Uploader(child, base, token, files);
  }

  /** `count` uploads of the kind's input at once. */
  upload(kind: 'voice' | 'sticker', count = 1): Promise<Array<{ mime: string; size: number }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => {
        this.pending.delete(id);
        if (r.ok) resolve(r.results!);
        else reject(new Error(r.error));
      });
      this.child.send({ id, base: this.base, token: this.token, kind, file: this.files[kind], count } satisfies UploadRequest);
    });
  }

  stop(): void {
    this.child.send({ stop: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeOne(uploader: Uploader, kind: 'voice' | 'sticker', rounds: number): Promise<{ wallMs: number; cpuMs: number; outMime: string; outKB: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  let last = { mime: '', size: 0 };
  for (let i = 0; i < rounds; i++) {
    const cpu = cpuMs();
    const started = performance.now();
    [last] = await uploader.upload(kind);
    walls.push(performance.now() - started);
    cpus.push(cpuMs() - cpu);
  }
  return { wallMs: round(median(walls)), cpuMs: round(median(cpus)), outMime: last.mime, outKB: round(last.size / 1024) };
}

async function parallel(uploader: Uploader, kind: 'voice' | 'sticker', count: number): Promise<Record<string, number>> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  let childPeak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
    childPeak = Math.max(childPeak, childrenRss(uploader.child.pid));
  };
  const sampler = setInterval(sample, 20);
  const started = performance.now();
  await uploader.upload(kind, count);
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  sample();
  return {
    conversions: count, wallMs: round(wallMs), rssBaselineMB: round(baseline / MB), rssPeakMB: round(peak / MB), rssGrowthMB: round((peak - baseline) / MB),
    ffmpegChildrenPeakRssMB: round(childPeak / MB),
  };
}

export async function convertBench(base: string, token: string, rounds: number): Promise<Record<string, unknown>> {
  const mp3 = await mp3Tone(60);
  const png = await noisePng();
  const dir = await mkdtemp(join(tmpdir(), 'wa-bench-convert-'));
  await writeFile(join(dir, 'tone.mp3'), mp3);
  await writeFile(join(dir, 'noise.png'), png);
  const uploader = await Uploader.start(base, token, { voice: join(dir, 'tone.mp3'), sticker: join(dir, 'noise.png') });
  // Warm-up: the converter finds ffmpeg once, sharp loads, the routes are JIT-compiled.
  await uploader.upload('voice');
  await uploader.upload('sticker');

  // A full collection before anything is measured (never during: it would stop the loop itself).
  global.gc?.();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  // A gap is the loop blocked by this process's own work only as far as its main thread ran on
  // the CPU meanwhile (threadCpuUsage); the rest is the machine not scheduling it.
  let worstGap = 0;
  let worstBusy = 0;
  let lastTick = performance.now();
  let lastCpu = threadCpuMs();
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = threadCpuMs();
    worstGap = Math.max(worstGap, now - lastTick - 5);
    worstBusy = Math.max(worstBusy, Math.min(now - lastTick, cpu - lastCpu));
    lastTick = now;
    lastCpu = cpu;
  }, 5);
  // Garbage collections, the longest of each phase (wall time: a loaded machine inflates it like the gaps).
  let longestGc = 0;
  const gcs = new PerformanceObserver((list) => list.getEntries().forEach((e) => (longestGc = Math.max(longestGc, e.duration))));
  gcs.observe({ entryTypes: ['gc'] });
  /** Runs a phase with the loop watched: its result plus the phase's worst delay, timer gap, busy gap and GC pause. */
  const watched = async <T extends object>(phase: () => Promise<T>): Promise<T & { loopMaxDelayMs: number; loopWorstGapMs: number; loopWorstBusyMs: number; longestGcMs: number }> => {
    delay.reset();
    worstGap = 0;
    worstBusy = 0;
    longestGc = 0;
    lastTick = performance.now();
    lastCpu = threadCpuMs();
    const result = await phase();
    return { ...result, loopMaxDelayMs: round(delay.max / 1e6), loopWorstGapMs: round(worstGap), loopWorstBusyMs: round(worstBusy), longestGcMs: round(longestGc) };
  };
  delay.enable();
  try {
    const voice = await watched(() => timeOne(uploader, 'voice', rounds));
    const sticker = await watched(() => timeOne(uploader, 'sticker', rounds));
    const voice10 = await watched(() => parallel(uploader, 'voice', 10));
    const sticker10 = await watched(() => parallel(uploader, 'sticker', 10));
    const phases = [voice, sticker, voice10, sticker10];
    return {
      bench: 'media --convert',
      inputs: { mp3: { seconds: 60, kB: round(mp3.length / 1024) }, png: { kB: round(png.length / 1024) } },
      rounds,
      voice,
      sticker,
      parallel: { voice: voice10, sticker: sticker10, targetRssGrowthMB: 100 },
      eventLoop: {
        maxDelayMs: Math.max(...phases.map((p) => p.loopMaxDelayMs)),
        worstTimerGapMs: Math.max(...phases.map((p) => p.loopWorstGapMs)),
        worstBusyGapMs: Math.max(...phases.map((p) => p.loopWorstBusyMs)),
        targetMs: 50,
      },
    };
  } finally {
    clearInterval(ticker);
    delay.disable();
    gcs.disconnect();
    uploader.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
