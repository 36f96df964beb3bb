import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s. */
const CLOCK_TICKS_PER_S = 100;

interface Stat {
  readonly ppid: number;
  /** utime + stime of the process itself. */
  readonly own: number;
  /** cutime + cstime: its children that have ended and been waited for. */
  readonly reaped: number;
}

function statOf(pid: number): Stat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): ppid is the 2nd, utime,
    // stime, cutime and cstime the 12th to 15th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds a process and its live children have used, plus its children that ended (Postgres: the
 * postmaster and every backend), from /proc (NaN elsewhere or once it is gone). Sampled twice around a
 * window, the difference is what the tree spent in it (a backend that ended in the window counts when
 * the postmaster has waited for it, which it does at once).
 */
export function processTreeCpuSeconds(pid: number): number {
  const root = statOf(pid);
  if (!root) return NaN;
  let ticks = root.own + root.reaped;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = statOf(Number(entry));
    if (s && s.ppid === pid) ticks += s.own;
  }
  return ticks / CLOCK_TICKS_PER_S;
}

/** This process's CPU seconds (the bench's own client: its share of the machine). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
