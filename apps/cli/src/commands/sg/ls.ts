import type { Command } from 'commander';
import type { SecurityGroupView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

export function registerSgLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary('list security groups')
      .description(
        'List your security groups with how many rules each has (`berth sg rule ls GROUP` shows them).',
      ),
    'security groups, rules included,',
  ).action(async (opts: ListOptions) => {
    const groups = await listAll<SecurityGroupView>(ctx.tenant(), '/v1/security-groups');
    if (opts.json) return printJson(ctx.out, groups);
    if (opts.quiet) return printLines(ctx.out, groups, (g) => g.id);
    const now = ctx.deps.now();
    const count = (g: SecurityGroupView, d: 'ingress' | 'egress') =>
      g.rules.filter((r) => r.direction === d).length;
    ctx.out.out(
      renderTable(
        ['SG ID', 'NAME', 'INGRESS', 'EGRESS', 'CREATED', 'DESCRIPTION'],
        groups.map((g) => [
          g.id,
          g.name,
          String(count(g, 'ingress')),
          String(count(g, 'egress')),
          ago(g.createdAt, now),
          g.description,
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth sg ls', "berth sg ls --json | jq '.[] | {name, rules}'"]);
}
