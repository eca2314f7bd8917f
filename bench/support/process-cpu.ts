/**
 * CPU time of other processes on this machine, read from /proc (Linux): what a benchmark's
 * helpers (the simulator child, PostgreSQL's backends) spend beside the process it measures.
 * `snapshot(match)` records user + system time of every process whose command line matches;
 * `msSince(before, match)` is what those processes used since (a process started in between
 * counts from zero).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export type CpuSnapshot = Map<number, number>;

export function snapshot(match: (commandLine: string) => boolean): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!match(commandLine)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while being read
    }
  }
  return out;
}

export function msSince(before: CpuSnapshot, match: (commandLine: string) => boolean): number {
  let ticks = 0;
  for (const [pid, now] of snapshot(match)) ticks += now - (before.get(pid) ?? 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** PostgreSQL's server and backend processes (their titles start with "postgres"). */
export const isPostgres = (commandLine: string): boolean => /(^|\/)postgres[: ]/.test(commandLine);
