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
  | { id: number; op: 'stats' }
  | { id: number; op: 'stop' };
export type SimulatorReply = { id: number; ok: boolean; error?: string; stats?: SimulatorStats };

/** What the simulator's contacts saw (bench:soak counts losses with it). */
export interface SimulatorStats {
  /** Contact messages encrypted and handed to a session's sockets. */
  inbound: number;
  /** Distinct messages the sessions sent to contacts... */
  outbound: number;
  /** ...that the contact decrypted (at the first try or after a retry)... */
  outboundDecrypted: number;
  /** ...and that it never could. */
  outboundUndecryptable: number;
  /** Retry receipts the sessions sent (a message they could not decrypt). */
  retriesAskedBySessions: number;
  /** Of those, messages a contact encrypted again and re-sent. */
  retriesAnsweredByContacts: number;
  /** Retry receipts the contacts sent (a message from a session they could not decrypt). */
  retriesAskedByContacts: number;
}

export class SimulatorProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (r: SimulatorReply) => void>();
  private lastStats?: SimulatorStats;
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

  async stats(): Promise<SimulatorStats> {
    await this.request({ id: this.nextId++, op: 'stats' });
    return this.lastStats!;
  }

  private request(req: Exclude<SimulatorRequest, { op: 'stop' }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, (r) => {
        this.pending.delete(req.id);
        if (r.stats) this.lastStats = r.stats;
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
