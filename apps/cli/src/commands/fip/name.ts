import type { Command } from 'commander';
import type { FloatingIpView } from '@berth/contracts';
import { seg } from '../../api/api';
import { UsageError } from '../../api/errors';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { withExamples } from '../shared/options';

export function registerFipName(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('name')
    .summary('name or unname a floating IP')
    .description(
      'Give a floating IP a name (any command then takes the name for the address), or remove its ' +
        'name with --unset. Prints the address.',
    )
    .argument('<fip>', 'floating IP: its address, name or id')
    .argument('[name]', 'the new name, unique among your floating IPs')
    .option('--unset', 'remove the name')
    .option('--json', 'print the floating IP as JSON')
    .action(async (ref: string, name: string | undefined, opts: { unset?: boolean; json?: boolean }) => {
      if (opts.unset && name !== undefined) throw new UsageError('give a name or --unset, not both');
      if (!opts.unset && name === undefined) throw new UsageError('give a name, or --unset to remove it');
      const fip = await ctx
        .tenant()
        .post<FloatingIpView>(`/v1/fips/${seg(ref)}/name`, { name: opts.unset ? null : name });
      if (opts.json) return printJson(ctx.out, fip);
      ctx.out.out(`${fip.address}\n`);
    });
  return withExamples(cmd, ['berth fip name 203.0.113.10 www', 'berth fip name www --unset']);
}
