import type { Command } from 'commander';
import type { FloatingIpView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { withExamples } from '../shared/options';

export function registerFipRelease(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('release')
    .alias('rm')
    .summary('give floating IPs back to the pool')
    .description(
      'Release floating IPs: they go back to the pool and may go to someone else. One still attached ' +
        'is refused: `berth fip detach` it first. Prints each address.',
    )
    .argument('<fip...>', 'floating IPs: addresses, names or ids')
    .option('--json', 'print the released floating IPs as a JSON array')
    .action(async (refs: string[], opts: { json?: boolean }) => {
      const api = ctx.tenant();
      const { ok, failures } = await settleAll(refs, (ref) =>
        api.delete<FloatingIpView>(`/v1/fips/${seg(ref)}`),
      );
      if (opts.json) printJson(ctx.out, ok);
      else printLines(ctx.out, ok, (f) => f.address);
      failIfAny(ctx, failures);
    });
  return withExamples(cmd, ['berth fip release 203.0.113.10', 'berth fip release $(berth fip ls -q)']);
}
