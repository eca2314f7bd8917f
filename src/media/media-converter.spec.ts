import { Slots } from './media-converter.js';

describe('Slots (conversions at once)', () => {
  it('runs at most its size at once, the others in the order they came, and frees a slot when a task fails', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases = new Map<number, (fail: boolean) => void>();
    const task = (n: number) => slots.run(() => new Promise<number>((resolve, reject) => {
      running++;
      most = Math.max(most, running);
      started.push(n);
      releases.set(n, (fail) => {
        running--;
        if (fail) reject(new Error(`task ${n} failed`));
        else resolve(n);
      });
    }));
    const results = [1, 2, 3, 4, 5].map((n) => task(n).catch((err: Error) => err.message));
    await new Promise(setImmediate);
    expect(started).toEqual([1, 2]);
    releases.get(2)!(true);
    await new Promise(setImmediate);
    expect(started).toEqual([1, 2, 3]);
    releases.get(1)!(false);
    await new Promise(setImmediate);
    expect(started).toEqual([1, 2, 3, 4]);
    releases.get(3)!(false);
    await new Promise(setImmediate);
    releases.get(4)!(false);
    await new Promise(setImmediate);
    releases.get(5)!(false);
    expect(await Promise.all(results)).toEqual([1, 'task 2 failed', 3, 4, 5]);
    expect(most).toBe(2);
  });
});
