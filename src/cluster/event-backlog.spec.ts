import { EventBacklog } from './event-backlog.js';

describe('EventBacklog', () => {
  it('gives entries back in the order they came', () => {
    const backlog = new EventBacklog(10);
    for (const e of ['a', 'b', 'c']) backlog.push(e);
    expect(backlog.take(2)).toEqual(['a', 'b']);
    backlog.push('d');
    expect(backlog.take(10)).toEqual(['c', 'd']);
    expect(backlog.size).toBe(0);
    expect(backlog.dropped).toBe(0);
  });

  it('drops the oldest entries past its bound and counts them', () => {
    const backlog = new EventBacklog(3);
    const dropped = ['1', '2', '3', '4', '5'].map((e) => backlog.push(e));
    expect(dropped).toEqual([false, false, false, true, true]);
    expect(backlog.size).toBe(3);
    expect(backlog.dropped).toBe(2);
    expect(backlog.take(5)).toEqual(['3', '4', '5']);
  });

  it('stays bounded over many entries', () => {
    const backlog = new EventBacklog(100);
    for (let i = 0; i < 10_000; i++) backlog.push(String(i));
    expect(backlog.size).toBe(100);
    expect(backlog.dropped).toBe(9_900);
    const all = backlog.take(1000);
    expect(all[0]).toBe('9900');
    expect(all.at(-1)).toBe('9999');
  });
});
