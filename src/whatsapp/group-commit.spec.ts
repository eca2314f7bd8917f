import { GroupCommit } from './group-commit.js';

/** A commit the test finishes by hand: what each call received, and how to end it. */
function controlledCommit() {
  const calls: Array<{ items: string[]; finish: (outcome?: Array<Error | undefined>) => void; fail: (err: Error) => void }> = [];
  let notify: () => void = () => undefined;
  const commit = (items: string[]) => new Promise<Array<Error | undefined> | void>((resolve, reject) => {
    calls.push({ items, finish: resolve, fail: reject });
    notify();
  });
  /** Resolves once the commit numbered `n` (from 1) has started. */
  const started = (n: number) => new Promise<void>((resolve) => {
    const check = () => {
      if (calls.length >= n) resolve();
    };
    notify = check;
    check();
  });
  return { calls, commit, started };
}

/** Records when each submission settles. */
function track(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  const done = promise.then(() => (state.settled = true), (err: unknown) => {
    state.settled = true;
    state.error = err;
  });
  return { state, done };
}

describe('GroupCommit', () => {
  it('commits what arrives while a commit is in flight together, and resolves each caller only after its own commit', async () => {
    const { calls, commit, started } = controlledCommit();
    const group = new GroupCommit<string>(commit);
    const a = track(group.submit('a'));
    await started(1);
    const b = track(group.submit('b'));
    const c = track(group.submit('c'));
    expect(calls.map((x) => x.items)).toEqual([['a']]);

    calls[0]!.finish();
    await a.done;
    expect(a.state).toEqual({ settled: true, error: undefined });
    await started(2);
    expect(calls.map((x) => x.items)).toEqual([['a'], ['b', 'c']]);
    expect(b.state.settled).toBe(false);
    expect(c.state.settled).toBe(false);

    calls[1]!.finish();
    await Promise.all([b.done, c.done]);
    expect([b.state.error, c.state.error]).toEqual([undefined, undefined]);
  });

  it('shares the first commit among the writes submitted in the same turn', async () => {
    const { calls, commit, started } = controlledCommit();
    const group = new GroupCommit<string>(commit);
    const all = ['a', 'b', 'c'].map((x) => track(group.submit(x)));
    await started(1);
    expect(calls[0]!.items).toEqual(['a', 'b', 'c']);
    calls[0]!.finish();
    await Promise.all(all.map((t) => t.done));
    expect(all.every((t) => t.state.settled && t.state.error === undefined)).toBe(true);
  });

  it('rejects every caller of a failed commit, and goes on with the next batch', async () => {
    const { calls, commit, started } = controlledCommit();
    const group = new GroupCommit<string>(commit);
    const a = track(group.submit('a'));
    await started(1);
    const b = track(group.submit('b'));
    const c = track(group.submit('c'));
    calls[0]!.finish();
    await started(2);
    const boom = new Error('connection lost');
    calls[1]!.fail(boom);
    await Promise.all([b.done, c.done]);
    expect([b.state.error, c.state.error]).toEqual([boom, boom]);
    expect(a.state.error).toBeUndefined();

    const d = track(group.submit('d'));
    await started(3);
    expect(calls[2]!.items).toEqual(['d']);
    calls[2]!.finish();
    await d.done;
    expect(d.state).toEqual({ settled: true, error: undefined });
  });

  it('rejects only the callers whose items the commit refused', async () => {
    const { calls, commit, started } = controlledCommit();
    const group = new GroupCommit<string>(commit);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => track(group.submit(x)));
    await started(1);
    const fenced = new Error('fenced');
    calls[0]!.finish([undefined, fenced, undefined]);
    await Promise.all([a!.done, b!.done, c!.done]);
    expect([a!.state.error, b!.state.error, c!.state.error]).toEqual([undefined, fenced, undefined]);
  });

  it('splits a long queue into commits of at most maxBatch items, in order', async () => {
    const { calls, commit, started } = controlledCommit();
    const group = new GroupCommit<string>(commit, { maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((x) => track(group.submit(x)));
    for (let n = 1; n <= 3; n++) {
      await started(n);
      calls[n - 1]!.finish();
    }
    await Promise.all(all.map((t) => t.done));
    expect(calls.map((x) => x.items)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('splits by weight too: a commit holds at most maxWeight, and a heavier item goes alone', async () => {
    const { calls, commit, started } = controlledCommit();
    const group = new GroupCommit<string>(commit, { maxWeight: 5, weigh: (x) => x.length });
    const all = ['aa', 'bbb', 'c', 'dddddddd', 'ee', 'fff'].map((x) => track(group.submit(x)));
    for (let n = 1; n <= 4; n++) {
      await started(n);
      calls[n - 1]!.finish();
    }
    await Promise.all(all.map((t) => t.done));
    expect(calls.map((x) => x.items)).toEqual([['aa', 'bbb'], ['c'], ['dddddddd'], ['ee', 'fff']]);
  });
});
