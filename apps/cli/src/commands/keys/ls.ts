import type { Command } from 'commander';
import type { ApiKeyView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

export function registerKeysLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary('list API keys')
      .description('List your API keys, revoked ones included. Secrets are never shown again.'),
    'keys',
  ).action(async (opts: ListOptions) => {
    const keys = await listAll<ApiKeyView>(ctx.tenant(), '/v1/keys');
    if (opts.json) return printJson(ctx.out, keys);
    if (opts.quiet) return printLines(ctx.out, keys, (k) => k.id);
    const now = ctx.deps.now();
    const current = ctx.apiKey();
    ctx.out.out(
      renderTable(
        ['KEY ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'STATE'],
        keys.map((k) => [
          k.id,
          k.name,
          k.prefix,
          ago(k.createdAt, now),
          ago(k.lastUsedAt, now),
          k.revokedAt
            ? `revoked ${ago(k.revokedAt, now)}`
            : current?.startsWith(`${k.prefix}_`)
              ? 'active (this CLI)'
              : 'active',
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth keys ls', 'berth keys ls --json']);
}
