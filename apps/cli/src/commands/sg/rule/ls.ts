import type { Command } from 'commander';
import type { SecurityGroupView } from '@berth/contracts';
import { seg } from '../../../api/api';
import { listAll } from '../../../api/pages';
import type { CliContext } from '../../../context';
import { portRange } from '../../../output/format';
import { printJson, printLines } from '../../../output/output';
import { renderTable } from '../../../output/table';
import { listOptions, withExamples, type ListOptions } from '../../shared/options';

export function registerSgRuleLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary("list a security group's rules")
      .description(
        "List a security group's allow rules. PEER is an address block, or `sg:NAME` for the members " +
          'of another group.',
      )
      .argument('<sg>', 'security group id or name'),
    'rules',
  ).action(async (ref: string, opts: ListOptions) => {
    const api = ctx.tenant();
    const group = await api.get<SecurityGroupView>(`/v1/security-groups/${seg(ref)}`);
    if (opts.json) return printJson(ctx.out, group.rules);
    if (opts.quiet) return printLines(ctx.out, group.rules, (r) => r.id);
    const names = new Map<string, string>([[group.id, group.name]]);
    if (group.rules.some((r) => r.remoteGroupId !== null && !names.has(r.remoteGroupId))) {
      for (const g of await listAll<SecurityGroupView>(api, '/v1/security-groups')) names.set(g.id, g.name);
    }
    ctx.out.out(
      renderTable(
        ['RULE ID', 'DIRECTION', 'PROTOCOL', 'PORTS', 'PEER'],
        group.rules.map((r) => [
          r.id,
          r.direction,
          r.protocol,
          r.protocol === 'tcp' || r.protocol === 'udp' ? portRange(r.portFrom, r.portTo) : '-',
          r.cidr ?? `sg:${names.get(r.remoteGroupId ?? '') ?? r.remoteGroupId ?? '?'}`,
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth sg rule ls web', 'berth sg rule ls web -q']);
}
