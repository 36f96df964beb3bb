import { spawn, type ChildProcess } from 'node:child_process';
import type { HostCommands } from './host-commands';

/**
 * Tells the firewall converger whether the host's nftables ruleset may have changed since it last
 * asked, so that a pass over an untouched ruleset costs no nft call at all: `nft monitor` in the
 * host's namespace prints a line for every change anyone commits (the agent's own applies included),
 * and any line, or anything on its stderr, means "changed". Silence is trusted only while the watch
 * is known to run and has run for a whole pass (nft subscribes a moment after it starts); otherwise
 * the answer is "maybe changed", and the converger reads the kernel's state as it would without it.
 */
export class NftChangeWatch {
  private child: ChildProcess | null = null;
  private changed = true;
  /** A commit by a process other than the agent's own nft runs was seen since the last take. */
  private foreign = false;
  private partialLine = '';
  /** Passes left before silence is trusted after a (re)start. */
  private warmup = 0;

  constructor(private readonly sh: HostCommands) {}

  /** Starts the watch when it is not running (at agent start, and again after it exits). */
  start(): void {
    if (this.child) return;
    // setpriv --pdeathsig: the kernel ends the watch if the agent dies without stopping it.
    const [file, argv] = this.sh.wrap('setpriv', ['--pdeathsig', 'KILL', 'nft', 'monitor']);
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const mark = () => (this.changed = true);
    child.stdout.on('data', (chunk: Buffer) => {
      mark();
      this.readLines(chunk.toString());
    });
    child.stderr.on('data', mark);
    const gone = () => {
      if (this.child === child) this.child = null;
      this.changed = true;
    };
    child.once('exit', gone);
    child.once('error', gone);
    this.child = child;
    this.changed = true;
    this.warmup = 1;
  }

  private readLines(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) {
      const commit = parseGenerationLine(line);
      if (commit && !this.sh.isOwnNftProcess(commit.pid)) this.foreign = true;
    }
  }

  /**
   * Whether anyone but the agent committed to the ruleset since the previous call. Such a commit is
   * re-applied over whatever it did, without comparing listings: a change that landed between the
   * agent's apply and its listing of the result would be in that listing, and so in the digest every
   * later pass compares with, and would never be undone.
   */
  takeForeign(): boolean {
    const foreign = this.foreign;
    this.foreign = false;
    return foreign;
  }

  /** Whether the ruleset may have changed since the previous call (restarting the watch if it is down). */
  takeChanged(): boolean {
    if (!this.child) {
      this.start();
      return true;
    }
    const changed = this.changed || this.warmup > 0;
    this.changed = false;
    if (this.warmup > 0) this.warmup--;
    return changed;
  }

  /** Stops the watch, by its pid, and waits for it to end. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const ended = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await ended;
  }
}

/** `# new generation 12 by process 4002 (nft)`, as `nft monitor` prints after each commit. */
export function parseGenerationLine(line: string): { generation: number; pid: number } | null {
  const m = /^# new generation (\d+) by process (\d+)\b/.exec(line.trim());
  return m ? { generation: Number(m[1]), pid: Number(m[2]) } : null;
}
