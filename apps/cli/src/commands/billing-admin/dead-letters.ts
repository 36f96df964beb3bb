import type { Command } from 'commander';
import type { BillingDeadLetterView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago, truncate } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, operatorOption, withExamples, type ListOptions } from '../shared/options';

/** What a reason means to the person reading the list. */
const REASONS: Record<BillingDeadLetterView['reason'], string> = {
  refused: 'refused by Stripe',
  identifier_window_passed: 'past the 24 h window',
};

export function registerBillingDeadLetters(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    listOptions(
      parent
        .command('dead-letters')
        .summary('usage the billing worker gave up on')
        .description(
          'Usage intervals the billing worker will not send: Stripe refused their meter event for good (with ' +
            "Stripe's reason), or they were first sent more than 23 hours ago and never acknowledged, so Stripe " +
            'may hold them and would no longer refuse a second copy. Newest first.',
        ),
      'dead letters',
    ),
  ).action(async (opts: ListOptions & { operatorToken?: string }) => {
    const letters = await listAll<BillingDeadLetterView>(
      ctx.operator(opts.operatorToken),
      '/v1/admin/billing/dead-letters',
    );
    if (opts.json) return printJson(ctx.out, letters);
    if (opts.quiet) return printLines(ctx.out, letters, (d) => d.id);
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['ID', 'TENANT', 'METER', 'VALUE', 'EVENT TIME', 'WHY', 'STRIPE SAID', 'SINCE'],
        letters.map((d) => [
          d.id,
          d.tenantId,
          d.meter,
          String(d.value),
          d.eventTimestamp,
          REASONS[d.reason],
          truncate([d.stripeStatus, d.stripeCode, d.message].filter((x) => x !== null).join(' '), 60),
          ago(d.createdAt, now),
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth admin billing dead-letters', 'berth admin billing dead-letters --json']);
}
