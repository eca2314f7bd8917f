import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { KeyPairWorkers } from './prekey-prefetch.js';

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const publicOf = (privateKey: Buffer): Buffer =>
  createPublicKey(createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' }))
    .export({ format: 'der', type: 'spki' })
    .subarray(12);

/** Each thread of this process and its nice value (field 19 of /proc/self/task/<tid>/stat); a thread that exits meanwhile is left out. */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      nice.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]));
    } catch {
      // gone between the listing and the read
    }
  }
  return nice;
}

describe('KeyPairWorkers', () => {
  const workers = new KeyPairWorkers(2);
  afterAll(() => workers.close());

  it('returns distinct, valid X25519 key pairs shaped like Baileys Curve.generateKeyPair(), from concurrent batches', async () => {
    const batches = await Promise.all([workers.generate(40), workers.generate(40), workers.generate(3)]);
    expect(batches.map((b) => b.length)).toEqual([40, 40, 3]);
    const all = batches.flat();
    for (const pair of all) {
      expect(Buffer.isBuffer(pair.public) && pair.public.length).toBe(32);
      expect(Buffer.isBuffer(pair.private) && pair.private.length).toBe(32);
      expect(publicOf(Buffer.from(pair.private)).equals(pair.public)).toBe(true);
    }
    expect(new Set(all.map((p) => Buffer.from(p.public).toString('hex'))).size).toBe(all.length);
  });

  it('runs its thread at the lowest CPU priority (nice 19) and leaves the event loop\'s as it was', async () => {
    const before = niceByThread();
    const pool = new KeyPairWorkers(1);
    await pool.generate(1);
    const started = [...niceByThread()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
    await pool.close();
    expect(started).toContain(19);
    expect(niceByThread().get(process.pid)).toBe(before.get(process.pid));
  });

  it('starts new threads after close', async () => {
    await workers.close();
    const [pair] = await workers.generate(1);
    expect(publicOf(Buffer.from(pair.private)).equals(pair.public)).toBe(true);
  });
});
