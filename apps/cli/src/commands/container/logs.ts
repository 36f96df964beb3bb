import type { Command } from 'commander';
import type { LogLineView } from '@berth/contracts';
import { seg } from '../../api/api';
import { UsageError } from '../../api/errors';
import type { CliContext } from '../../context';
import { sinceToUnixSeconds } from '../../util/since';
import { writeLogLine } from '../shared/attach';
import { withExamples } from '../shared/options';

interface LogsOptions {
  readonly follow?: boolean;
  readonly tail: string;
  readonly since?: string;
  readonly timestamps?: boolean;
  readonly json?: boolean;
}

/** The logs query for these flags. */
export function logsQuery(opts: LogsOptions, now: Date): Record<string, string> {
  const q: Record<string, string> = {};
  if (opts.tail !== 'all') {
    if (!/^\d+$/.test(opts.tail)) throw new UsageError(`--tail must be a number of lines or "all"`);
    q.tail = opts.tail;
  }
  if (opts.since !== undefined) q.since = sinceToUnixSeconds(opts.since, now);
  if (opts.follow) q.follow = 'true';
  return q;
}

export function registerLogs(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('logs')
    .summary("show a container's output")
    .description(
      "Print a container's output: its stdout to stdout, its stderr to stderr. " +
        'With -f, keep printing new lines until the container stops (Ctrl-C stops following).',
    )
    .argument('<container>', 'container id or name')
    .option('-f, --follow', 'keep streaming new output until the container stops')
    .option('-n, --tail <lines>', 'only the last N lines, or "all"', 'all')
    .option('--since <time>', 'only lines since a time: a duration back (10m, 1h30m), unix seconds or a date')
    .option('-t, --timestamps', 'prefix each line with its time (RFC 3339)')
    .option('--json', 'print each line as a JSON object {at, stream, text} (NDJSON)')
    .action(async (ref: string, opts: LogsOptions) => {
      const query = logsQuery(opts, ctx.deps.now());
      const api = ctx.tenant();
      for await (const line of api.lines<LogLineView>(`/v1/containers/${seg(ref)}/logs`, query)) {
        if (opts.json) ctx.out.out(`${JSON.stringify(line)}\n`);
        else writeLogLine(ctx, line, opts.timestamps);
      }
    });
  return withExamples(cmd, [
    'berth logs web',
    'berth logs -f --tail 20 web',
    'berth logs --since 10m -t web',
  ]);
}
