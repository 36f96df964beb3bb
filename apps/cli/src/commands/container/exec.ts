import type { Command } from 'commander';
import type { ExecResultView } from '@berth/contracts';
import { seg } from '../../api/api';
import { CliError, ExitCode, withInterruptHint } from '../../api/errors';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { parseEnvEntry } from '../../util/env-vars';
import { collect, wholeNumber, withExamples } from '../shared/options';

interface ExecOptions {
  readonly env?: string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly timeout?: number;
  readonly json?: boolean;
}

/** The POST .../exec body for these flags. */
export function execRequest(ctx: CliContext, command: string[], opts: ExecOptions): Record<string, unknown> {
  const env: string[] = [];
  for (const e of opts.env ?? []) {
    const kv = parseEnvEntry(e, (n) => ctx.deps.env.lookup(n), '-e');
    if (kv) env.push(`${kv[0]}=${kv[1]}`);
  }
  return {
    command,
    ...(env.length > 0 ? { env } : {}),
    ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
  };
}

export function registerExec(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('exec')
    .summary('run a command in a running container')
    .description(
      "Run a command beside a running container's workload, print its output and exit with its exit " +
        'code. The command runs at most once, even if the CLI retries after a network error.',
    )
    .argument('<container>', 'container id or name')
    .argument('<command...>', 'the command and its arguments')
    .option('-e, --env <KEY=VALUE>', 'add an environment variable; repeatable', collect)
    .option('-w, --workdir <dir>', 'working directory (absolute)')
    .option('-u, --user <user>', 'user name or uid in the image')
    .option(
      '--timeout <seconds>',
      'kill the command after this many seconds (1-600, default 60)',
      wholeNumber('--timeout', 1),
    )
    .option('--json', 'print {exitCode, stdout, stderr, operation} as JSON (still exits with the code)')
    .passThroughOptions()
    .action(async (ref: string, command: string[], opts: ExecOptions) => {
      const body = execRequest(ctx, command, opts);
      const api = ctx.tenant();
      const res = await withInterruptHint(
        `the command may still be running in ${ref} (an exec runs at most once).`,
        () => api.post<ExecResultView>(`/v1/containers/${seg(ref)}/exec`, body),
      );
      if (opts.json) printJson(ctx.out, res);
      else {
        if (res.stdout) ctx.out.out(res.stdout);
        if (res.stderr) ctx.out.err(res.stderr);
      }
      if (res.exitCode === null) {
        throw new CliError(
          'exec/unfinished',
          `the command was still running when berth stopped waiting (operation ${res.operation.id})`,
        );
      }
      if (res.exitCode !== 0) throw new ExitCode(res.exitCode);
    });
  return withExamples(cmd, [
    'berth exec web hostname',
    "berth exec -e DEBUG=1 -w /tmp web sh -c 'ls -la'",
    'berth exec web test -f /ready && echo ready',
  ]);
}
