import type { Command } from 'commander';
import type { TenantView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, operatorOption, withExamples, type ListOptions } from '../shared/options';

export function registerTenantsLs(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    listOptions(
      parent.command('ls').alias('list').summary('list tenants').description('List every tenant.'),
      'tenants',
    ),
  ).action(async (opts: ListOptions & { operatorToken?: string }) => {
    const tenants = await listAll<TenantView>(ctx.operator(opts.operatorToken), '/v1/admin/tenants');
    if (opts.json) return printJson(ctx.out, tenants);
    if (opts.quiet) return printLines(ctx.out, tenants, (t) => t.id);
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['TENANT ID', 'NAME', 'STATE', 'CREATED'],
        tenants.map((t) => [t.id, t.name, t.state, ago(t.createdAt, now)]),
      ),
    );
  });
  return withExamples(cmd, [
    'berth admin tenants ls',
    'BERTH_OPERATOR_TOKEN=... berth admin tenants ls --json',
  ]);
}
