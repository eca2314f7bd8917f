/**
 * The simulator in a child process, so that a benchmark measures the app's (or bare Baileys')
 * memory and CPU alone. `SimulatorProcess.start()` forks bench/support/simulator-child.ts with the
 * parent's loader flags; `scan()` has one of its phones scan a QR; `send()` has its contacts send
 * texts (each contact its own texts one after the other, all contacts at once).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type SimulatorRequest =
  | { id: number; op: 'scan'; qr: string; phoneNumber: string }
  | { id: number; op: 'send'; sends: Array<{ from: string; to: string; texts: string[] }> }
  | { id: number; op: 'stop' };
export type SimulatorReply = { id: number; ok: boolean; error?: string };

export class SimulatorProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (r: SimulatorReply) => void>();
  private constructor(private readonly child: ChildProcess, readonly url: string) {
    child.on('message', (m: SimulatorReply) => this.pending.get(m.id)?.(m));
  }

  get pid(): number {
    return this.child.pid!;
  }

  static start(): Promise<SimulatorProcess> {
    const child = fork(fileURLToPath(new URL('./simulator-child.ts', import.meta.url)), [], { execArgv: process.execArgv });
    return new Promise((resolve) => child.once('message', (m: { url: string }) => resolve(new SimulatorProcess(child, m.url))));
  }

  scan(qr: string, phoneNumber: string): Promise<void> {
    const id = this.nextId++;
    return this.request({ id, op: 'scan', qr, phoneNumber });
  }

  /** Resolves once every text is sent (encrypted and handed to its recipient's socket). */
  send(sends: Array<{ from: string; to: string; texts: string[] }>): Promise<void> {
    return this.request({ id: this.nextId++, op: 'send', sends });
  }

  private request(req: Exclude<SimulatorRequest, { op: 'stop' }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, (r) => {
        this.pending.delete(req.id);
        if (r.ok) resolve();
        else reject(new Error(r.error));
      });
      this.child.send(req satisfies SimulatorRequest);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ id: 0, op: 'stop' } satisfies SimulatorRequest);
    });
  }
}
