import type { Command } from 'commander';
import type { InvoiceListView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { dollars } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { withExamples, type ListOptions } from '../shared/options';

/** What a past-due account means for the person reading, on stderr under the table. */
export const PAST_DUE_NOTICE =
  'Your account is past due: the last invoice could not be charged. New containers are refused until ' +
  'it is paid (or the payment method updated); running ones keep running.\n';

/** `berth invoices`: lists the invoices; `berth invoices show PERIOD` (registered on it) shows one. */
export function registerInvoices(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('invoices')
    .summary('list your monthly invoices')
    .description(
      "List your invoices, one per calendar month (UTC): this month's draft first, then past months. " +
        '`berth invoices show YYYY-MM` shows one line by line. Says so when your account is past due.',
    )
    .option('--json', 'print the invoices and your billing status as JSON')
    .option('-q, --quiet', 'print periods (invoice ids) only')
    .action(async (opts: ListOptions) => {
      // One answer, not paged: it also carries the billing status, which --json keeps.
      const list = await ctx.tenant().get<InvoiceListView>('/v1/invoices');
      if (opts.json) return printJson(ctx.out, list);
      if (opts.quiet) printLines(ctx.out, list.data, (i) => i.id);
      else
        ctx.out.out(
          renderTable(
            ['PERIOD', 'STATUS', 'TOTAL'],
            list.data.map((i) => [i.id, i.status, dollars(i.totalUsd)]),
          ),
        );
      if (list.billingStatus === 'past_due') ctx.out.err(PAST_DUE_NOTICE);
    });
  return withExamples(cmd, [
    'berth invoices',
    'berth invoices show 2026-01',
    "berth invoices --json | jq -r '.data[0].totalUsd'",
  ]);
}
