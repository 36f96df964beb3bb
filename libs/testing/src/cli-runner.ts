import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** The built `berth` executable (npm run build); e2e suites run it as a person or a script would. */
export const BUILT_CLI = path.resolve(__dirname, '../../../dist/apps/cli/src/main.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** The HOME the CLI keeps its config in: one per suite, so that suites never share a login. */
  readonly home: string;
  /** Added to PATH and HOME, and nothing else: the CLI sees no variable of the test runner's. */
  readonly env?: Record<string, string>;
  /** Written to the CLI's stdin, which is then closed (empty by default). */
  readonly stdin?: string;
  /**
   * Polled every 100 ms once the CLI runs; when it says yes the CLI gets SIGINT, as a terminal's Ctrl-C
   * sends it. Polling for a condition rather than waiting a while: on a loaded machine Node may take
   * seconds to start, and a SIGINT before the CLI's handler exists just kills it.
   */
  readonly interruptWhen?: () => Promise<boolean>;
  /** A CLI still running after this is killed (SIGKILL, by its pid), so that a hang fails the test. */
  readonly timeoutMs?: number;
}

/** Runs `berth args` with a clean environment; resolves with its exit code and output, whatever the code. */
export function runCli(args: readonly string[], options: CliRunOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.home, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    let interrupt: NodeJS.Timeout | undefined;
    const interruptWhen = options.interruptWhen;
    if (interruptWhen) {
      const poll = (): void => {
        interrupt = setTimeout(() => {
          void interruptWhen().then((now) => (now ? child.kill('SIGINT') : poll()), poll);
        }, 100);
      };
      poll();
    }
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(interrupt);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** `berth args` that must exit 0; its stdout. A failure says what ran and what it printed on stderr. */
export async function runCliOk(args: readonly string[], options: CliRunOptions): Promise<string> {
  const r = await runCli(args, options);
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `berth args --json` that must exit 0; its parsed output. */
export async function runCliJson(args: readonly string[], options: CliRunOptions): Promise<any> {
  return JSON.parse(await runCliOk([...args, '--json'], options));
}
