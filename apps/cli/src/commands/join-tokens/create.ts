import type { Command } from 'commander';
import type { CreateJoinTokenRequest, CreatedJoinTokenView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { parseDurationSeconds } from '../../util/duration';
import { operatorOption, withExamples } from '../shared/options';

interface Options {
  readonly operatorToken?: string;
  readonly ttl?: number;
  readonly description?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export function registerJoinTokensCreate(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    parent
      .command('create')
      .summary('make a join token for new hosts')
      .description(
        'Make a join token: an agent given it as BERTH_AGENT_JOIN_TOKEN registers a NEW host (a join token ' +
          'never takes the name of a registered host). It expires after --ttl; the token is shown this once.',
      )
      .option(
        '--ttl <duration>',
        "how long it works: 30m, 24h, 7d... (default: the API's, 24h)",
        parseDurationSeconds,
      )
      .option('--description <text>', 'what the token is for')
      .option('--json', 'print the token, secret included, as JSON')
      .option('-q, --quiet', 'print the token only'),
  ).action(async (opts: Options) => {
    const body: CreateJoinTokenRequest = {
      ...(opts.ttl !== undefined ? { ttlSeconds: opts.ttl } : {}),
      ...(opts.description !== undefined ? { description: opts.description } : {}),
    };
    const token = await ctx
      .operator(opts.operatorToken)
      .post<CreatedJoinTokenView>('/v1/admin/join-tokens', body);
    if (opts.json) return printJson(ctx.out, token);
    if (opts.quiet) return ctx.out.out(`${token.token}\n`);
    ctx.out.out(
      `Created join token ${token.id}, expires ${token.expiresAt}. The token, shown this once:\n${token.token}\n` +
        "Start a new host's agent with BERTH_AGENT_JOIN_TOKEN set to it.\n",
    );
  });
  return withExamples(cmd, [
    'berth admin join-tokens create --ttl 24h --description "rack 4"',
    'berth admin join-tokens create --ttl 7d -q > join.token',
  ]);
}
