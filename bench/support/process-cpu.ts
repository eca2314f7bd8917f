/**
 * CPU time of other processes on this machine, read from /proc (Linux): what a benchmark's
 * helpers (the simulator child, PostgreSQL's backends) spend beside the process it measures.
 * `snapshot(match)` records user + system time of every process whose command line matches;
 * `msSince(before, match)` is what those processes used since (a process started in between
 * counts from zero).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU ms by pid. */
export type CpuSnapshot = Map<number, number>;

/** CPU ms (user + system) a live process has used, from /proc/PID/stat (utime and stime, fields 14 and 15). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

export function snapshot(match: (commandLine: string) => boolean): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (match(commandLine)) out.set(Number(entry), cpuMsOf(Number(entry)));
    } catch {
      // the process ended while being read
    }
  }
  return out;
}

export function msSince(before: CpuSnapshot, match: (commandLine: string) => boolean): number {
  let ms = 0;
  for (const [pid, now] of snapshot(match)) ms += now - (before.get(pid) ?? 0);
  return ms;
}

/** PostgreSQL's server and backend processes (their titles start with "postgres"). */
export const isPostgres = (commandLine: string): boolean => /(^|\/)postgres[: ]/.test(commandLine);
