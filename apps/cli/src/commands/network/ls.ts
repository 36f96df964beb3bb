import type { Command } from 'commander';
import type { NetworkView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

export function registerNetworkLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary('list networks')
      .description(
        'List your private networks. `default` is the one containers join when `berth run` names none; ' +
          'berth makes it on first use.',
      ),
    'networks',
  ).action(async (opts: ListOptions) => {
    const networks = await listAll<NetworkView>(ctx.tenant(), '/v1/networks');
    if (opts.json) return printJson(ctx.out, networks);
    if (opts.quiet) return printLines(ctx.out, networks, (n) => n.id);
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['NETWORK ID', 'NAME', 'CIDR', 'GATEWAY', 'CREATED'],
        networks.map((n) => [
          n.id,
          n.isDefault ? `${n.name} (default)` : n.name,
          n.cidr,
          n.gateway,
          ago(n.createdAt, now),
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth network ls', "berth network ls --json | jq -r '.[].cidr'"]);
}
