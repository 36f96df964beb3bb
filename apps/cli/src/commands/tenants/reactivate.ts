import type { Command } from 'commander';
import type { TenantView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { operatorOption, withExamples } from '../shared/options';

export function registerTenantsReactivate(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    parent
      .command('reactivate')
      .summary('reactivate tenants')
      .description("Lift a suspension: the tenant's API keys work again.")
      .argument('<tenant-id...>', 'tenant ids (ten_...)')
      .option('--json', 'print the tenants as a JSON array'),
  ).action(async (ids: string[], opts: { operatorToken?: string; json?: boolean }) => {
    const api = ctx.operator(opts.operatorToken);
    const { ok, failures } = await settleAll(ids, (id) =>
      api.post<TenantView>(`/v1/admin/tenants/${seg(id)}/reactivate`),
    );
    if (opts.json) printJson(ctx.out, ok);
    else printLines(ctx.out, ok, (t) => `${t.id} ${t.state}`);
    failIfAny(ctx, failures);
  });
  return withExamples(cmd, ['berth admin tenants reactivate ten_01j9z6w2m4q8r7t5v3x1y0b2c4']);
}
