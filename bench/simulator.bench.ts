/**
 * Simulator benchmark: N real Baileys clients pair (QR scan) and open against the simulator, then stay
 * connected idle at once. The simulator runs in a child process so its own memory can be measured
 * (RSS and heap, after GC) without the clients' memory mixed in.
 *
 *   npm run bench:simulator -- --devices 500 [--concurrency 25] [--realistic-prekeys]
 *
 *   npm run bench:simulator -- --media [--size-mb 20] [--rounds 3]   (media upload+download MB/s, bench/simulator-media.ts)
 *
 * Prints one JSON object. `--realistic-prekeys` makes every client upload its 812 prekeys at first
 * login (as with the real server); by default the simulator reports enough prekeys to skip that, so
 * the numbers measure the simulator rather than client-side key generation.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PairedDevice } from '../src/simulator/index.js';

interface Stats {
  rss: number;
  heapUsed: number;
  connections: number;
  cpuMs: number;
}
type Request = { id: number; op: 'stats' } | { id: number; op: 'scan'; qr: string; phoneNumber: string } | { id: number; op: 'stop' };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function runChild(): Promise<void> {
  const { WhatsAppSimulator } = await import('../src/simulator/index.js');
  const realistic = process.argv.includes('--realistic-prekeys');
  const sim = await WhatsAppSimulator.start({ qrRefCount: 6, initialPreKeyCount: realistic ? 0 : 50 });
  const gc = (globalThis as { gc?: () => void }).gc;
  const stats = (): Stats => {
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, connections: sim.connectionCount, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  };
  process.on('message', (req: Request) => {
    const reply = (r: Reply): void => {
      process.send!(r);
    };
    switch (req.op) {
      case 'stats':
        reply({ id: req.id, ok: true, value: stats() });
        return;
      case 'scan':
        sim.scanQr(req.qr, { phoneNumber: req.phoneNumber }).then(
          (value) => reply({ id: req.id, ok: true, value }),
          (err: unknown) => reply({ id: req.id, ok: false, error: String(err) }),
        );
        return;
      case 'stop':
        void sim.stop().then(() => {
          reply({ id: req.id, ok: true, value: null });
          process.exit(0);
        });
        return;
    }
  });
  process.send!({ id: 0, ok: true, value: sim.url });
}

class ChildSim {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  url = '';

  constructor(private readonly child: ChildProcess) {
    child.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new Error(r.error));
    });
  }

  ready(): Promise<string> {
    return new Promise((resolve) => this.pending.set(0, { resolve: (v) => resolve((this.url = v as string)), reject: () => undefined }));
  }

  call<T>(req: { op: 'stats' } | { op: 'scan'; qr: string; phoneNumber: string } | { op: 'stop' }): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.send({ ...req, id });
    });
  }
}

async function runParent(): Promise<void> {
  const devices = Number(arg('devices') ?? 500);
  const concurrency = Number(arg('concurrency') ?? 25);
  const realistic = process.argv.includes('--realistic-prekeys');
  const { TestClient, connectAndWaitForOpen } = await import('../src/simulator/testing/index.js');
  const child = fork(fileURLToPath(import.meta.url), ['--child', ...(realistic ? ['--realistic-prekeys'] : [])], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const sim = new ChildSim(child);
  const url = await sim.ready();
  const idle = await sim.call<Stats>({ op: 'stats' });
  let warm: Stats | undefined;
  let warmCount = 0;

  const open: InstanceType<typeof TestClient>[] = [];
  let failures = 0;
  const started = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < devices) {
      const i = next++;
      const phoneNumber = `1999${String(i).padStart(7, '0')}`;
      const pairing = new TestClient(url, { config: { qrTimeout: 60_000 } });
      try {
        const qr = await pairing.waitForQr(1, 60_000);
        await sim.call<PairedDevice>({ op: 'scan', qr, phoneNumber });
        const code = await pairing.waitForClose(60_000);
        if (code !== 515) throw new Error(`expected 515, got ${String(code)}`);
        await pairing.end();
        open.push(await connectAndWaitForOpen(url, pairing.auth, {}, 120_000));
        if (!warm && open.length >= Math.min(concurrency, devices - 1)) {
          warmCount = open.length;
          warm = await sim.call<Stats>({ op: 'stats' });
        }
      } catch (err) {
        failures++;
        await pairing.end();
        process.stderr.write(`device ${i} failed: ${String(err)}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const pairAndOpenMs = Date.now() - started;

  // Idle for a moment (keep-alives flow), then measure the simulator with every connection open.
  await new Promise((r) => setTimeout(r, 2_000));
  const loaded = await sim.call<Stats>({ op: 'stats' });
  const base = warm ?? idle;
  const n = Math.max(1, loaded.connections - (warm ? warmCount : 0));
  const result = {
    devices,
    opened: open.length,
    failures,
    concurrency,
    clientPrekeyUpload: realistic,
    pairAndOpenAllMs: pairAndOpenMs,
    devicesPerSecond: +((open.length * 1000) / pairAndOpenMs).toFixed(1),
    simulator: {
      connections: loaded.connections,
      rssIdleMB: +(idle.rss / 2 ** 20).toFixed(1),
      rssLoadedMB: +(loaded.rss / 2 ** 20).toFixed(1),
      heapIdleMB: +(idle.heapUsed / 2 ** 20).toFixed(1),
      heapLoadedMB: +(loaded.heapUsed / 2 ** 20).toFixed(1),
      // Marginal cost per connection, measured from the first `concurrency` open devices to all of them.
      measuredFromConnections: warm ? warmCount : 0,
      rssPerConnectionKB: +((loaded.rss - base.rss) / n / 1024).toFixed(1),
      heapPerConnectionKB: +((loaded.heapUsed - base.heapUsed) / n / 1024).toFixed(1),
      cpuMsTotal: loaded.cpuMs,
      cpuMsPerDevicePairAndOpen: +((loaded.cpuMs - idle.cpuMs) / Math.max(1, open.length)).toFixed(1),
    },
  };
  await Promise.all(open.map((c) => c.end()));
  await sim.call({ op: 'stop' }).catch(() => undefined);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  // Baileys keeps a never-cleared 30 s pre-key upload timer per first login; do not wait for it.
  process.exit(failures > 0 ? 1 : 0);
}

if (process.argv.includes('--child')) await runChild();
else if (process.argv.includes('--media')) {
  const { runMediaBench } = await import('./simulator-media.js');
  process.stdout.write(`${JSON.stringify({ media: await runMediaBench(Number(arg('size-mb') ?? 20), Number(arg('rounds') ?? 3)) }, null, 2)}\n`);
  process.exit(0);
} else await runParent();
