import { execFile } from 'node:child_process';

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
  constructor(readonly netns: string | null) {}

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
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  ip(...args: string[]): Promise<CommandResult> {
    return this.run('ip', args);
  }

  async ipJson<T>(...args: string[]): Promise<T> {
    const { stdout } = await this.run('ip', ['-j', ...args]);
    return (stdout.trim() ? JSON.parse(stdout) : []) as T;
  }

  bridge(...args: string[]): Promise<CommandResult> {
    return this.run('bridge', args);
  }

  nft(script: string): Promise<CommandResult> {
    return this.run('nft', ['-f', '-'], script);
  }
}
