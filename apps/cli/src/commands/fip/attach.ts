import type { Command } from 'commander';
import type { FloatingIpView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { withExamples } from '../shared/options';

export function registerFipAttach(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('attach')
    .summary('point a floating IP at a container')
    .description(
      'Point a floating IP at a container: traffic to the address reaches the container (as far as its ' +
        'security groups allow) and the container reaches out from it, within seconds. Prints the address.',
    )
    .argument('<fip>', 'floating IP: its address, name or id')
    .argument('<container>', 'container id or name')
    .option('--json', 'print the floating IP as JSON')
    .action(async (ref: string, container: string, opts: { json?: boolean }) => {
      const fip = await ctx.tenant().post<FloatingIpView>(`/v1/fips/${seg(ref)}/attach`, { container });
      if (opts.json) return printJson(ctx.out, fip);
      ctx.out.out(`${fip.address}\n`);
    });
  return withExamples(cmd, ['berth fip attach 203.0.113.10 web', 'berth fip attach www web']);
}
