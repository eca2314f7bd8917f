/**
 * A new account's first 812 one-time pre-keys, generated off the event loop. Left to itself,
 * Baileys makes them synchronously at the first login (812 X25519 key pairs, the largest CPU cost
 * of an onboarding: see docs/performance.md), which stalls every other session and request while
 * a burst of phones scan at once.
 *
 * Instead, when a fresh account's first socket is made (the QR one), a worker thread generates the
 * batch while the QR waits for a scan. When the socket after pairing (the 515 restart) is made,
 * the batch is written as pre-keys 1..812 and `creds.nextPreKeyId` moves past them, exactly the
 * state Baileys' own `getNextPreKeys` leaves, so at login Baileys uploads these and generates none.
 * Nothing is applied while a socket is open, and a batch that is not ready, lost or evicted only
 * means Baileys generates the keys itself, as before. `WA_PREKEY_WORKERS=0` turns it off.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import { INITIAL_PREKEY_COUNT, type KeyPair } from '@whiskeysockets/baileys';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import type { LoadedAuthState } from './postgres-auth-state.js';

/** Batches waiting for their account to pair (about 52 KB each). */
const MAX_PENDING_BATCHES = 2000;
const PENDING_TTL_MS = 30 * 60_000;

// The worker: libsignal's generateKeyPair (node:crypto X25519, raw keys cut from the DER), in a
// loop; 64 bytes per pair (public ‖ private) in one transferred buffer. On Linux the thread first
// takes the lowest CPU priority (nice 19, its own thread id only): the keys are needed after a
// scan, so they get the cores the event loop, PostgreSQL and the sockets leave idle. Elsewhere,
// or if /proc is not there, it keeps the process' priority.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { generateKeyPairSync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, 19);
} catch {}
const encoding = { publicKeyEncoding: { format: 'der', type: 'spki' }, privateKeyEncoding: { format: 'der', type: 'pkcs8' } };
parentPort.on('message', ({ id, count }) => {
  const out = new Uint8Array(count * 64);
  for (let i = 0; i < count; i++) {
    const { publicKey, privateKey } = generateKeyPairSync('x25519', encoding);
    out.set(publicKey.subarray(12, 44), i * 64);
    out.set(privateKey.subarray(16, 48), i * 64 + 32);
  }
  parentPort.postMessage({ id, keys: out }, [out.buffer]);
});`;

interface Job { resolve(keys: Uint8Array): void; reject(err: unknown): void }

/** A fixed number of worker threads, each taking one batch at a time from its own queue. */
export class KeyPairWorkers {
  private readonly workers: { worker: Worker; jobs: Map<number, Job> }[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  /** `count` fresh X25519 key pairs, as Baileys' Curve.generateKeyPair() returns them. */
  async generate(count: number): Promise<KeyPair[]> {
    return KeyPairWorkers.split(await this.generatePacked(count));
  }

  /** The same pairs packed as public ‖ private, 64 bytes each (one buffer: compact while it waits). */
  generatePacked(count: number): Promise<Uint8Array> {
    return this.run(count);
  }

  static split(packed: Uint8Array): KeyPair[] {
    return Array.from({ length: packed.length / 64 }, (_, i) => ({
      public: Buffer.from(packed.subarray(i * 64, i * 64 + 32)),
      private: Buffer.from(packed.subarray(i * 64 + 32, i * 64 + 64)),
    }));
  }

  async close(): Promise<void> {
    const all = this.workers.splice(0);
    await Promise.all(all.map(({ worker }) => worker.terminate()));
  }

  private run(count: number): Promise<Uint8Array> {
    const slot = this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject });
      slot.worker.postMessage({ id, count });
    });
  }

  private leastBusy(): { worker: Worker; jobs: Map<number, Job> } {
    if (this.workers.length < this.size) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref(); // never keeps the process alive
      const slot = { worker, jobs: new Map<number, Job>() };
      worker.on('message', ({ id, keys }: { id: number; keys: Uint8Array }) => {
        slot.jobs.get(id)?.resolve(keys);
        slot.jobs.delete(id);
      });
      const fail = (err: unknown) => {
        for (const job of slot.jobs.values()) job.reject(err);
        slot.jobs.clear();
        const index = this.workers.indexOf(slot);
        if (index >= 0) this.workers.splice(index, 1);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`pre-key worker exited with ${code}`)));
      this.workers.push(slot);
      return slot;
    }
    return this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }
}

@Injectable()
export class PreKeyPrefetch implements OnModuleDestroy {
  private readonly workers?: KeyPairWorkers;
  private readonly pending = new LRUCache<string, Promise<Uint8Array | undefined>>({ max: MAX_PENDING_BATCHES, ttl: PENDING_TTL_MS });
  /** Batches handed to Baileys (tests, benchmarks). */
  applied = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.whatsapp.preKeyWorkers > 0) this.workers = new KeyPairWorkers(config.whatsapp.preKeyWorkers);
  }

  /** Call before each socket of a session is made, with the auth state that socket will use. */
  async beforeConnect(sessionId: string, auth: LoadedAuthState): Promise<void> {
    const { creds } = auth.state;
    const untouched = creds.nextPreKeyId === 1 && creds.firstUnuploadedPreKeyId === 1;
    if (!this.workers || !untouched) {
      this.pending.delete(sessionId);
      return;
    }
    if (!auth.registered) {
      if (!this.pending.has(sessionId)) this.pending.set(sessionId, this.workers.generatePacked(INITIAL_PREKEY_COUNT).catch(() => undefined));
      return;
    }
    const packed = await this.pending.get(sessionId);
    this.pending.delete(sessionId);
    if (!packed) return;
    const batch = KeyPairWorkers.split(packed);
    await auth.state.keys.set({ 'pre-key': Object.fromEntries(batch.map((pair, i) => [String(i + 1), pair])) });
    // Stored before the credentials say so (key writes are write-behind).
    await auth.keysCommitted();
    creds.nextPreKeyId = batch.length + 1;
    await auth.saveCreds();
    this.applied++;
  }

  async onModuleDestroy(): Promise<void> {
    await this.workers?.close();
  }
}
