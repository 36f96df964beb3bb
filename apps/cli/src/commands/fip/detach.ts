import type { Command } from 'commander';
import type { FloatingIpView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { withExamples } from '../shared/options';

export function registerFipDetach(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('detach')
    .summary('detach floating IPs from their containers')
    .description(
      'Detach floating IPs from their containers; they stay yours (`berth fip release` gives one back). ' +
        'Prints each address.',
    )
    .argument('<fip...>', 'floating IPs: addresses, names or ids')
    .option('--json', 'print the floating IPs as a JSON array')
    .action(async (refs: string[], opts: { json?: boolean }) => {
      const api = ctx.tenant();
      const { ok, failures } = await settleAll(refs, (ref) =>
        api.post<FloatingIpView>(`/v1/fips/${seg(ref)}/detach`),
      );
      if (opts.json) printJson(ctx.out, ok);
      else printLines(ctx.out, ok, (f) => f.address);
      failIfAny(ctx, failures);
    });
  return withExamples(cmd, ['berth fip detach 203.0.113.10', 'berth fip detach www']);
}
