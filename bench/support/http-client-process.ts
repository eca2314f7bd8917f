/**
 * An HTTP client in a child process, as the product's real callers are: `postAll()` sends a batch
 * of POSTs at once from there, so that the benchmark's own fetch and JSON work is not counted as
 * the product's CPU (bench:floor measures this process with `process.cpuUsage()`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type HttpClientRequest = { id: number; baseUrl: string; token?: string; posts: Array<{ path: string; body: unknown }> } | { id: 0; stop: true };
export type HttpClientReply = { id: number; ok: boolean; results?: Array<Record<string, unknown>>; error?: string };

export class HttpClientProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (r: HttpClientReply) => void>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: HttpClientReply) => this.pending.get(m.id)?.(m));
  }

  static start(): Promise<HttpClientProcess> {
    const child = fork(fileURLToPath(new URL('./http-client-child.ts', import.meta.url)), [], { execArgv: process.execArgv });
    return new Promise((resolve) => child.once('message', () => resolve(new HttpClientProcess(child))));
  }

  /** Every POST at once; resolves with the JSON answers, in order, once all have answered 2xx. */
  postAll(baseUrl: string, posts: Array<{ path: string; body: unknown }>, token?: string): Promise<Array<Record<string, unknown>>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => {
        this.pending.delete(id);
        if (r.ok) resolve(r.results!);
        else reject(new Error(r.error));
      });
      this.child.send({ id, baseUrl, token, posts } satisfies HttpClientRequest);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ id: 0, stop: true } satisfies HttpClientRequest);
    });
  }
}
