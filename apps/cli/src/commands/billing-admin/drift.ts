import type { Command } from 'commander';
import type { BillingReconciliationView } from '@berth/contracts';
import { UsageError } from '../../api/errors';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson } from '../../output/output';
import { renderTable } from '../../output/table';
import { operatorOption, withExamples } from '../shared/options';

export function registerBillingDrift(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    parent
      .command('drift')
      .summary("where Stripe's sums and berth's acknowledged usage differ")
      .description(
        "The billing worker's latest reconciliation passes that found drift: per tenant and meter, what " +
          'Stripe acknowledged to berth and what its event summaries count, over the month so far. berth never ' +
          're-sends to close a gap (that could bill twice): a drift is for the operator to look into.',
      )
      .option('--all', 'every recent pass, not only those with drift')
      .option('-n, --last <n>', 'how many passes', '20')
      .option('--json', 'print the passes as a JSON array'),
  ).action(async (opts: { all?: boolean; last: string; json?: boolean; operatorToken?: string }) => {
    const limit = Number(opts.last);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new UsageError(`--last must be a whole number from 1 to 200, not ${opts.last}`);
    }
    const { data } = await ctx
      .operator(opts.operatorToken)
      .get<{ data: BillingReconciliationView[] }>('/v1/admin/billing/reconciliations', {
        limit,
        ...(opts.all ? {} : { drift: 'true' }),
      });
    if (opts.json) return printJson(ctx.out, data);
    const now = ctx.deps.now();
    const rows = data.flatMap((p) =>
      p.drift.length === 0
        ? [[ago(p.ranAt, now), `${p.checked} checked, ${p.unsettled} unsettled`, '-', '-', '-', '-']]
        : p.drift.map((d) => [
            ago(p.ranAt, now),
            `${p.checked} checked, ${p.unsettled} unsettled`,
            d.tenantId,
            d.meter,
            String(d.postgres),
            String(d.stripe),
          ]),
    );
    if (rows.length === 0) {
      ctx.out.out(opts.all ? 'No reconciliation has run yet.\n' : 'No drift in the latest passes.\n');
      return;
    }
    ctx.out.out(
      renderTable(['RAN', 'PASS', 'TENANT', 'METER', 'BERTH (ACKNOWLEDGED)', 'STRIPE (SUMMED)'], rows),
    );
  });
  return withExamples(cmd, ['berth admin billing drift', 'berth admin billing drift --all -n 5']);
}
