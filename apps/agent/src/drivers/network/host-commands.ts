import { execFile } from 'node:child_process';

const OWN_NFT_PID_MEMORY_MS = 10 * 60_000;

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(`${command} failed (${exitCode ?? 'signal'}): ${stderr.trim()}`);
    this.name = 'CommandError';
  }
}

/**
 * Runs host tools, inside the host's network namespace when one is configured (tests run several
 * "hosts" as namespaces on one machine; a production host has none and runs them as they are).
 */
export class HostCommands {
  /** When each nft process this agent started was spawned, by pid (see isOwnNftProcess). */
  private readonly nftPids = new Map<number, number>();

  constructor(readonly netns: string | null) {}

  /**
   * Whether `pid` is an nft process this agent started lately: `nft monitor` names the process behind
   * each commit, and the firewall converger tells its own commits from anyone else's by it. `ip netns
   * exec` execs the command in place, so the pid spawned is nft's own. Remembered for ten minutes, far
   * longer than any nft run, and short enough that a recycled pid is not mistaken for ours.
   */
  isOwnNftProcess(pid: number): boolean {
    return this.nftPids.has(pid);
  }

  /** Wraps a command so that it runs in the host's namespace. */
  wrap(cmd: string, args: readonly string[]): [string, string[]] {
    return this.netns ? ['ip', ['netns', 'exec', this.netns, cmd, ...args]] : [cmd, [...args]];
  }

  run(cmd: string, args: readonly string[], input?: string): Promise<CommandResult> {
    const [file, argv] = this.wrap(cmd, args);
    return new Promise((resolve, reject) => {
      const child = execFile(file, argv, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err)
          reject(
            new CommandError(
              `${cmd} ${args.join(' ')}`,
              stderr || err.message,
              typeof err.code === 'number' ? err.code : null,
            ),
          );
        else resolve({ stdout, stderr });
      });
      // Recorded before nft can read its input, so before it can commit anything.
      if (cmd === 'nft' && child.pid !== undefined) this.rememberNftProcess(child.pid);
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  private rememberNftProcess(pid: number): void {
    const now = Date.now();
    for (const [old, at] of this.nftPids) if (now - at > OWN_NFT_PID_MEMORY_MS) this.nftPids.delete(old);
    this.nftPids.set(pid, now);
  }

  ip(...args: string[]): Promise<CommandResult> {
    return this.run('ip', args);
  }

  async ipJson<T>(...args: string[]): Promise<T> {
    const { stdout } = await this.run('ip', ['-j', ...args]);
    return (stdout.trim() ? JSON.parse(stdout) : []) as T;
  }

  /**
   * Several `ip` commands in one process (`ip -force -batch -`): each spawn costs more than the work
   * it does. -force runs every line even after one fails; the run fails if any did, naming them.
   */
  ipBatch(lines: readonly (readonly string[])[]): Promise<CommandResult> {
    return this.run('ip', ['-force', '-batch', '-'], batchScript(lines));
  }

  /** Several `bridge` commands in one process, as ipBatch. */
  bridgeBatch(lines: readonly (readonly string[])[]): Promise<CommandResult> {
    return this.run('bridge', ['-force', '-batch', '-'], batchScript(lines));
  }

  bridge(...args: string[]): Promise<CommandResult> {
    return this.run('bridge', args);
  }

  nft(script: string): Promise<CommandResult> {
    return this.run('nft', ['-f', '-'], script);
  }
}

/** A batch script: one command a line; its words never hold spaces (device names, addresses, numbers). */
function batchScript(lines: readonly (readonly string[])[]): string {
  for (const words of lines)
    for (const w of words)
      if (!w || /[\s"'\\#]/.test(w)) throw new Error(`unsafe word in a batch line: ${w}`);
  return lines.map((words) => `${words.join(' ')}\n`).join('');
}
