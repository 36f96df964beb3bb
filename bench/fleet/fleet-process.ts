import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FleetOptions, SimulatedHost } from './hollow-fleet';
import type { FromFleet, ToFleet } from './fleet-messages';

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times (100 on every architecture Node runs on). */
const CLOCK_TICKS_PER_S = 100;

/**
 * The bench's handle on a hollow fleet running in its own process (fleet-main.ts, compiled): starts
 * it, collects when each container was answered running, and stops it (by its pid, nothing else).
 */
export class FleetProcess {
  /** Container id -> when the API answered its host's report with `running` (ms since the epoch). */
  readonly runningAt = new Map<string, number>();
  hosts: readonly SimulatedHost[] = [];
  startMs = NaN;
  sockets = NaN;
  rssMib = NaN;
  private waiters: ((m: FromFleet) => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromFleet) => {
      if (m.type === 'running') for (const [id, at] of m.batch) this.runningAt.set(id, at);
      for (const w of this.waiters) w(m);
    });
  }

  static async start(options: Omit<FleetOptions, 'onRunning' | 'stateRoot'>): Promise<FleetProcess> {
    const child = fork(path.join(__dirname, 'fleet-main.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Room for 1,000 Nest contexts and their sockets.
      execArgv: ['--max-old-space-size=4096'],
    });
    const fleet = new FleetProcess(child);
    const ready = fleet.next(['ready', 'failed']);
    fleet.send({ type: 'start', options });
    const m = await ready;
    if (m.type === 'failed') {
      // It cleaned up before saying so (HollowFleet.start); only the process is left.
      child.kill('SIGTERM');
      throw new Error(`the hollow fleet did not start: ${m.error}`);
    }
    if (m.type === 'ready') {
      fleet.hosts = m.hosts;
      fleet.startMs = m.startMs;
      fleet.sockets = m.sockets;
      fleet.rssMib = m.rssMib;
    }
    return fleet;
  }

  /**
   * CPU seconds the fleet process has used so far, from /proc (NaN elsewhere): the simulation shares
   * the machine's cores with the API, and the report says how much of them it took.
   */
  cpuSeconds(): number {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
    } catch {
      return NaN;
    }
  }

  /** Resolves when every one of `ids` was answered running, or rejects after `timeoutMs`. */
  async untilRunning(ids: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ids.every((id) => this.runningAt.has(id))) {
      if (Date.now() > deadline) {
        const missing = ids.filter((id) => !this.runningAt.has(id)).length;
        throw new Error(
          `${missing} of ${ids.length} containers were not reported running within ${timeoutMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops every simulated host and the process; answers the process's last figures. */
  async stop(): Promise<{ sockets: number; rssMib: number; cpuMs: number } | null> {
    if (this.child.exitCode !== null || !this.child.connected) return null;
    let stats: { sockets: number; rssMib: number; cpuMs: number } | null = null;
    const stopped = new Promise<void>((resolve) => {
      this.waiters.push((m) => {
        if (m.type === 'stats') stats = { sockets: m.sockets, rssMib: m.rssMib, cpuMs: m.cpuMs };
        if (m.type === 'stopped') resolve();
      });
      this.child.once('exit', () => resolve());
    });
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await stopped;
    clearTimeout(timer);
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return stats;
  }

  private send(m: ToFleet): void {
    this.child.send(m);
  }

  private next(types: FromFleet['type'][]): Promise<FromFleet> {
    return new Promise((resolve) => {
      const w = (m: FromFleet): void => {
        if (!types.includes(m.type)) return;
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(m);
      };
      this.waiters.push(w);
      this.child.once('exit', (code) =>
        resolve({ type: 'failed', error: `the fleet process exited (${code})` }),
      );
    });
  }
}
