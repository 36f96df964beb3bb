import type { Command } from 'commander';
import type { CreatedJoinTokenView, ReadmitHostRequest } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { parseDurationSeconds } from '../../util/duration';
import { operatorOption, withExamples } from '../shared/options';

interface Options {
  readonly operatorToken?: string;
  readonly ttl?: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export function registerHostsReadmit(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    parent
      .command('readmit')
      .summary('let a host that lost its token register again')
      .description(
        'Re-admit a registered host whose agent lost its own host token (its state dir was wiped): prints a ' +
          'one-time token that registers that host only. Start its agent with BERTH_AGENT_JOIN_TOKEN set to ' +
          'it; the host keeps its id and gets a new host token, and the old one stops working.',
      )
      .argument('<host>', 'the host, by id (hst_...) or name')
      .option(
        '--ttl <duration>',
        "how long the token works: 30m, 2h... (default: the API's, 1h)",
        parseDurationSeconds,
      )
      .option('--json', 'print the token, secret included, as JSON')
      .option('-q, --quiet', 'print the token only'),
  ).action(async (host: string, opts: Options) => {
    const body: ReadmitHostRequest = opts.ttl !== undefined ? { ttlSeconds: opts.ttl } : {};
    const token = await ctx
      .operator(opts.operatorToken)
      .post<CreatedJoinTokenView>(`/v1/admin/hosts/${seg(host)}/readmit`, body);
    if (opts.json) return printJson(ctx.out, token);
    if (opts.quiet) return ctx.out.out(`${token.token}\n`);
    ctx.out.out(
      `Re-admission token for host ${host} (${token.hostId ?? '?'}), usable once until ${token.expiresAt}:\n` +
        `${token.token}\nStart the host's agent with BERTH_AGENT_JOIN_TOKEN set to it.\n`,
    );
  });
  return withExamples(cmd, [
    'berth admin hosts readmit host-a',
    'berth admin hosts readmit host-a --ttl 30m -q',
  ]);
}
