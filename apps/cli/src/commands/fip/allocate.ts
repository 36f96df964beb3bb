import type { Command } from 'commander';
import type { FloatingIpView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { withExamples } from '../shared/options';

export function registerFipAllocate(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('allocate')
    .summary('allocate a floating IP')
    .description(
      "Allocate a public address from berth's pool (within your quota) and print it. It stays yours, " +
        'attached or not, until `berth fip release`.',
    )
    .option('--name <name>', 'a name to refer to it by, unique among your floating IPs')
    .option('--json', 'print the floating IP as JSON')
    .action(async (opts: { name?: string; json?: boolean }) => {
      const fip = await ctx
        .tenant()
        .post<FloatingIpView>('/v1/fips', opts.name !== undefined ? { name: opts.name } : {});
      if (opts.json) return printJson(ctx.out, fip);
      ctx.out.out(`${fip.address}\n`);
    });
  return withExamples(cmd, [
    'berth fip allocate',
    'FIP=$(berth fip allocate --name www) && berth fip attach $FIP web',
  ]);
}
