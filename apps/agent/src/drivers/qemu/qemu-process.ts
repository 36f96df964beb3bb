import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { pidAlive } from '../../util/pid-alive';
import { HostCommands } from '../network/host-commands';
import type { ProcessEnd } from './exit-codes';
import { TIMED_OUT, within } from './timeouts';

export interface QemuLaunch {
  readonly binary: string;
  readonly args: readonly string[];
  /** Runs QEMU inside this network namespace (the host's, in tests), where its taps are. */
  readonly netns: string | null;
  /** QEMU's own stdout and stderr go here (appended). */
  readonly logFile: string;
}

/** How often an adopted QEMU (not our child: no exit event) is checked for being gone. */
const ADOPTED_POLL_MS = 500;
/** How long a QEMU whose guest powered off gets to exit by itself before it is killed. */
const EXIT_GRACE_MS = 5000;

/**
 * One QEMU process. Detached from the agent, so that an agent restart leaves it running; the next
 * agent adopts it by pid. `ended` resolves once the process is gone, with how it ended when it was our
 * child (null for an adopted one).
 */
export class QemuProcess {
  private constructor(
    readonly pid: number,
    readonly ended: Promise<ProcessEnd | null>,
    private readonly release: () => void,
  ) {}

  static spawn(launch: QemuLaunch): QemuProcess {
    const out = openSync(launch.logFile, 'a');
    // `ip netns exec` enters the host's namespace and execs QEMU: the pid stays QEMU's.
    const [file, argv] = new HostCommands(launch.netns).wrap(launch.binary, launch.args);
    let child;
    try {
      child = spawn(file, argv, { detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    if (child.pid === undefined) {
      // Node says why in an 'error' event; unheard, it would end the agent.
      child.once('error', () => undefined);
      throw new Error(`could not start ${launch.binary}`);
    }
    child.unref();
    const ended = new Promise<ProcessEnd>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return new QemuProcess(child.pid, ended, () => undefined);
  }

  /**
   * Takes over a QEMU that outlived the agent, if `pid` is still the QEMU of the machine in
   * `machineDir` (a pid can be reused by anything once its process is gone). Null when it is not.
   */
  static async adopt(pid: number, machineDir: string): Promise<QemuProcess | null> {
    if (!(await isQemuOf(pid, machineDir))) return null;
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<null>((resolve) => {
      timer = setInterval(() => {
        if (pidAlive(pid)) return;
        clearInterval(timer);
        resolve(null);
      }, ADOPTED_POLL_MS);
    });
    return new QemuProcess(pid, ended, () => clearInterval(timer));
  }

  get alive(): boolean {
    return pidAlive(this.pid);
  }

  /** Ends it now. */
  kill(): void {
    if (this.alive) killQemu(this.pid);
  }

  /** Waits for the process to end (a guest that powered off ends it); kills it when it lingers. */
  async reap(): Promise<void> {
    if ((await within(this.ended, EXIT_GRACE_MS)) === TIMED_OUT && this.alive) {
      this.kill();
      await within(this.ended, 2000);
    }
  }

  /** Stops watching it; the process keeps running (for the next agent to adopt). */
  letGo(): void {
    this.release();
  }
}

/** Whether `pid` runs, and is the QEMU of the machine in `machineDir` (pids are reused once free). */
export async function isQemuOf(pid: number, machineDir: string): Promise<boolean> {
  return pidAlive(pid) && runsFrom(await commandLine(pid), machineDir);
}

/** SIGKILLs `pid` if it still runs; says whether it did. */
export function killQemu(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false; // gone already (or never ours to kill)
  }
}

/** A /proc/<pid>/cmdline as its arguments (NUL-separated, NUL-terminated). */
export function parseCommandLine(raw: string): string[] {
  return raw.split('\0').filter((a) => a.length > 0);
}

/** Whether a command line is a QEMU started for a machine in `machineDir` (every path it opens is in there). */
export function runsFrom(argv: readonly string[], machineDir: string): boolean {
  const prefix = `${machineDir}/`;
  return isQemu(argv) && argv.some((a) => a.includes(prefix));
}

/** QEMU processes started for any machine under `machinesDir`, whoever started them. */
export async function qemuPidsUnder(machinesDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (runsFrom(await commandLine(Number(entry)), machinesDir)) pids.push(Number(entry));
  }
  return pids;
}

function isQemu(argv: readonly string[]): boolean {
  // Under `ip netns exec` the namespace is entered by exec, so argv[0] is QEMU's either way.
  return argv.some((a) => a.includes('qemu-system'));
}

async function commandLine(pid: number): Promise<string[]> {
  try {
    return parseCommandLine(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return [];
  }
}
