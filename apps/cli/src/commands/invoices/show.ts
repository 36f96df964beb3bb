import type { Command } from 'commander';
import type { InvoiceLineView, InvoiceView } from '@berth/contracts';
import { seg } from '../../api/api';
import { UsageError } from '../../api/errors';
import type { CliContext } from '../../context';
import { dollars, nanoDollars } from '../../output/format';
import { printJson } from '../../output/output';
import { renderTable } from '../../output/table';
import { withExamples } from '../shared/options';
import { isPeriod } from '../usage/usage';

/** "3600 seconds", "864000 GB-seconds". */
function quantity(l: InvoiceLineView): string {
  const unit = l.unit === 'gb-second' ? 'GB-second' : 'second';
  return `${l.quantity} ${unit}${l.quantity === 1 ? '' : 's'}`;
}

/** Per second for containers and floating IPs; storage is priced per GB-month. */
function unitPrice(l: InvoiceLineView): string {
  return `${nanoDollars(l.unitPriceNanoUsd)}/${l.unit === 'gb-second' ? 'GB-month' : 's'}`;
}

export function registerInvoicesShow(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('show')
    .summary('show one invoice, line by line')
    .description(
      "Show a month's invoice: a line per meter (container size, volumes, snapshots, floating IPs) " +
        "with its quantity, unit price and amount, then the total. This month's is a draft until it ends.",
    )
    .argument('<period>', 'the month, YYYY-MM (UTC), as `berth invoices` lists them')
    .option('--json', 'print the invoice as JSON')
    .action(async (period: string, opts: { json?: boolean }) => {
      if (!isPeriod(period))
        throw new UsageError(`invoice "${period}" must be a month, YYYY-MM (e.g. 2026-01)`);
      const invoice = await ctx.tenant().get<InvoiceView>(`/v1/invoices/${seg(period)}`);
      if (opts.json) return printJson(ctx.out, invoice);
      ctx.out.out(
        `Invoice ${invoice.id} (${invoice.status === 'draft' ? 'draft: the month is not over yet' : 'closed'})\n`,
      );
      ctx.out.out(
        renderTable(
          ['DESCRIPTION', 'QUANTITY', 'UNIT PRICE', 'AMOUNT'],
          [
            ...invoice.lines.map((l) => [l.description, quantity(l), unitPrice(l), dollars(l.amountUsd)]),
            ['TOTAL', '', '', dollars(invoice.totalUsd)],
          ],
        ),
      );
    });
  return withExamples(cmd, [
    'berth invoices show 2026-01',
    "berth invoices show 2025-12 --json | jq '.lines[] | {meter, amountUsd}'",
  ]);
}
