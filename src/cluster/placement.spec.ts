import type { LiveNode, Orphan } from './lease-repository.js';
import { planPlacement } from './placement.js';

const orphans = (n: number): Orphan[] => Array.from({ length: n }, (_, i) => ({ sessionId: `s${i}`, kind: 'paired' }));
const node = (id: string, sessions: number): LiveNode => ({ id, url: `http://${id}`, sessions });
const counts = (plan: Map<string, Orphan[]>) => Object.fromEntries([...plan].map(([id, list]) => [id, list.length]));

describe('planPlacement', () => {
  it('fills the least-loaded nodes first, until the load is even', () => {
    expect(counts(planPlacement(orphans(10), [node('a', 10), node('b', 4), node('c', 0)]))).toEqual({ a: 0, b: 3, c: 7 });
  });

  it('breaks ties by node id, so that every node computes the same plan', () => {
    const one = planPlacement(orphans(5), [node('b', 0), node('a', 0)]);
    const other = planPlacement(orphans(5), [node('a', 0), node('b', 0)]);
    expect(one).toEqual(other);
    expect(one.get('a')!.map((o) => o.sessionId)).toEqual(['s0', 's2', 's4']);
  });

  it('assigns nothing when no node is live', () => {
    expect(planPlacement(orphans(3), []).size).toBe(0);
  });
});
