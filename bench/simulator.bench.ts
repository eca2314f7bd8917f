/**
 * Simulator benchmark: N real Baileys clients pair (QR scan) and open against the simulator, then stay
 * connected idle at once. The simulator runs in a child process so its own memory can be measured
 * (RSS and heap, after GC) without the clients' memory mixed in.
 *
 *   npm run bench:simulator -- --devices 500 [--concurrency 25] [--realistic-prekeys]
 *                              [--history-messages 100000] [--history-chats 100]
 *
 * Then one more device pairs with a history fixture of `--history-messages` messages (0 skips it):
 * the time from its `connection: 'open'` to the last `messaging-history.set`, and the simulator's
 * memory while it sends the history.
 *
 *   npm run bench:simulator -- --media [--size-mb 20] [--rounds 3]   (media upload+download MB/s, bench/simulator-media.ts)
 *   npm run bench:simulator -- --group-members 1000 [--group-messages 5000]   (group messages/s into one session, bench/simulator-groups.ts)
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
interface HistorySize {
  chats: number;
  messagesPerChat: number;
}
interface HistoryMemory {
  rssBefore: number;
  heapBefore: number;
  rssPeak: number;
  heapPeak: number;
  chunks: number;
  messages: number;
}
type Op = { op: 'stats' } | { op: 'scan'; qr: string; phoneNumber: string; history?: HistorySize } | { op: 'history'; phoneNumber: string } | { op: 'stop' };
type Request = Op & { id: number };
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
      case 'history': {
        // Memory while the own phone sends the history of the next login of `phoneNumber`, sampled every 10 ms.
        const before = stats();
        const peak = { rss: before.rss, heap: before.heapUsed };
        const timer = setInterval(() => {
          const m = process.memoryUsage();
          peak.rss = Math.max(peak.rss, m.rss);
          peak.heap = Math.max(peak.heap, m.heapUsed);
        }, 10);
        sim.waitFor('historySent', (h) => h.phoneNumber === req.phoneNumber, 600_000).then(
          (h) => {
            clearInterval(timer);
            const value: HistoryMemory = { rssBefore: before.rss, heapBefore: before.heapUsed, rssPeak: peak.rss, heapPeak: peak.heap, chunks: h.chunks, messages: h.messages };
            reply({ id: req.id, ok: true, value });
          },
          (err: unknown) => {
            clearInterval(timer);
            reply({ id: req.id, ok: false, error: String(err) });
          },
        );
        return;
      }
      case 'scan':
        sim.scanQr(req.qr, { phoneNumber: req.phoneNumber, history: req.history }).then(
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

  call<T>(req: Op): Promise<T> {
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
  const historyMessages = Number(arg('history-messages') ?? 100_000);
  const history = historyMessages > 0 ? await historyPhase(sim, url, historyMessages, Number(arg('history-chats') ?? 100)) : undefined;
  await sim.call({ op: 'stop' }).catch(() => undefined);
  process.stdout.write(`${JSON.stringify({ ...result, history }, null, 2)}\n`);
  // Baileys keeps a never-cleared 30 s pre-key upload timer per first login; do not wait for it.
  process.exit(failures > 0 ? 1 : 0);
}

/** One device pairs with a history of `messages` messages; from `open` to the last history event. */
async function historyPhase(sim: ChildSim, url: string, messages: number, chats: number) {
  const { TestClient } = await import('../src/simulator/testing/index.js');
  const size = { chats, messagesPerChat: Math.ceil(messages / chats) };
  const phoneNumber = '1888000000001';
  const pairing = new TestClient(url, { config: { qrTimeout: 60_000 } });
  const qr = await pairing.waitForQr(1, 60_000);
  await sim.call<PairedDevice>({ op: 'scan', qr, phoneNumber, history: size });
  if ((await pairing.waitForClose(60_000)) !== 515) throw new Error('history device did not pair');
  await pairing.end();
  const memory = sim.call<HistoryMemory>({ op: 'history', phoneNumber });
  const client = new TestClient(url, { auth: pairing.auth });
  const total = size.chats * size.messagesPerChat;
  let openedAt = 0;
  let received = 0;
  let historyEvents = 0;
  const done = new Promise<number>((resolve) => {
    client.sock.ev.on('connection.update', (u) => {
      if (u.connection === 'open') openedAt = Date.now();
    });
    client.sock.ev.on('messaging-history.set', (h) => {
      historyEvents++;
      received += h.messages.length;
      if (received >= total) resolve(Date.now());
    });
  });
  const lastAt = await done;
  const status = await client.waitForEvent('messaging-history.status', (st) => st.syncType === 3 && st.status === 'complete', 60_000);
  const mem = await memory;
  await client.end();
  const mb = (n: number): number => +(n / 2 ** 20).toFixed(1);
  return {
    messages: total,
    chats: size.chats,
    chunks: mem.chunks,
    historySetEvents: historyEvents,
    messagesReceived: received,
    recentComplete: status.status === 'complete',
    openToLastHistoryEventMs: lastAt - openedAt,
    messagesPerSecond: Math.round((total * 1000) / Math.max(1, lastAt - openedAt)),
    simulator: {
      rssBeforeMB: mb(mem.rssBefore),
      rssPeakMB: mb(mem.rssPeak),
      rssPeakIncreaseMB: mb(mem.rssPeak - mem.rssBefore),
      heapBeforeMB: mb(mem.heapBefore),
      heapPeakMB: mb(mem.heapPeak),
      heapPeakIncreaseMB: mb(mem.heapPeak - mem.heapBefore),
    },
  };
}

if (process.argv.includes('--child')) await runChild();
else if (process.argv.includes('--media')) {
  const { runMediaBench } = await import('./simulator-media.js');
  process.stdout.write(`${JSON.stringify({ media: await runMediaBench(Number(arg('size-mb') ?? 20), Number(arg('rounds') ?? 3)) }, null, 2)}\n`);
  process.exit(0);
} else if (arg('group-members')) {
  const { runGroupBench } = await import('./simulator-groups.js');
  process.stdout.write(`${JSON.stringify({ groups: await runGroupBench(Number(arg('group-members')), Number(arg('group-messages') ?? 5000)) }, null, 2)}\n`);
  process.exit(0);
} else await runParent();
