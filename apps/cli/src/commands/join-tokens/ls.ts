import type { Command } from 'commander';
import type { JoinTokenView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago, humanDuration } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, operatorOption, withExamples, type ListOptions } from '../shared/options';

export function registerJoinTokensLs(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    listOptions(
      parent
        .command('ls')
        .alias('list')
        .summary('list join tokens')
        .description(
          "List join tokens and hosts' pending re-admission tokens: prefix, expiry, last use. Secrets are never shown again.",
        ),
      'join tokens',
    ),
  ).action(async (opts: ListOptions & { operatorToken?: string }) => {
    const tokens = await listAll<JoinTokenView>(ctx.operator(opts.operatorToken), '/v1/admin/join-tokens');
    if (opts.json) return printJson(ctx.out, tokens);
    if (opts.quiet) return printLines(ctx.out, tokens, (t) => t.id);
    const now = ctx.deps.now();
    const expiry = (t: JoinTokenView) => {
      const left = Date.parse(t.expiresAt) - now.getTime();
      return left > 0 ? `in ${humanDuration(left).toLowerCase()}` : `expired ${ago(t.expiresAt, now)}`;
    };
    ctx.out.out(
      renderTable(
        ['TOKEN ID', 'PREFIX', 'FOR', 'EXPIRES', 'LAST USED', 'DESCRIPTION'],
        tokens.map((t) => [
          t.id,
          t.prefix,
          t.hostId ? `re-admit ${t.hostId}` : 'new hosts',
          expiry(t),
          ago(t.lastUsedAt, now),
          t.description,
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth admin join-tokens ls', 'berth admin join-tokens ls --json']);
}
