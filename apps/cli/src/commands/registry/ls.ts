import type { Command } from 'commander';
import type { RegistryCredentialView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

export function registerRegistryLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary('list your registry logins')
      .description(
        'List the registries berth holds your login for (`berth login HOST`). Passwords are never shown.',
      ),
    'registry logins',
  ).action(async (opts: ListOptions) => {
    const res = await ctx.tenant().get<{ data: RegistryCredentialView[] }>('/v1/registry-credentials');
    if (opts.json) return printJson(ctx.out, res.data);
    if (opts.quiet) return printLines(ctx.out, res.data, (r) => r.registry);
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['REGISTRY', 'USERNAME', 'UPDATED'],
        res.data.map((r) => [r.registry, r.username, ago(r.updatedAt, now)]),
      ),
    );
  });
  return withExamples(cmd, ['berth registry ls']);
}
