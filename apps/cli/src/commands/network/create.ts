import type { Command } from 'commander';
import type { NetworkView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { withExamples } from '../shared/options';

export function registerNetworkCreate(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('create')
    .summary('create a private network')
    .description(
      'Create a private network (its own VXLAN segment) that containers join with `berth run --net NAME`. ' +
        'Without --cidr, berth picks the configured default block or the next free one of its size. ' +
        'Prints the new network id.',
    )
    .argument('<name>', 'unique among your networks (letters, digits, "_", "." and "-")')
    .option(
      '--cidr <cidr>',
      'IPv4 block, /16 to /29, in 10/8, 172.16/12, 192.168/16 or 100.64/10, overlapping none of yours',
    )
    .option('--json', 'print the network as JSON')
    .action(async (name: string, opts: { cidr?: string; json?: boolean }) => {
      const network = await ctx
        .tenant()
        .post<NetworkView>('/v1/networks', { name, ...(opts.cidr !== undefined ? { cidr: opts.cidr } : {}) });
      if (opts.json) return printJson(ctx.out, network);
      ctx.out.out(`${network.id}\n`);
    });
  return withExamples(cmd, [
    'berth network create backend',
    'berth network create db --cidr 10.20.0.0/24',
    'berth run -d --net backend --name api 127.0.0.1:5000/me/api',
  ]);
}
