import { Option, type Command } from 'commander';
import type { LiveUsageView, UsageReportView } from '@berth/contracts';
import { USAGE_GROUPINGS, type UsageGrouping } from '@berth/domain';
import type { Query } from '../../api/api';
import { UsageError } from '../../api/errors';
import type { CliContext } from '../../context';
import { ago, dollars, nanoDollars } from '../../output/format';
import { printJson } from '../../output/output';
import { renderTable } from '../../output/table';
import { withExamples } from '../shared/options';

interface UsageOptions {
  readonly period?: string;
  readonly from?: string;
  readonly to?: string;
  readonly by?: UsageGrouping;
  readonly live?: boolean;
  readonly json?: boolean;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** A billing period as berth names one (and its invoices): a UTC calendar month, YYYY-MM. */
export function isPeriod(value: string): boolean {
  return PERIOD.test(value);
}

/** `--from`/`--to` as an ISO instant; a date or a time that starts with one (2026-01-15, ...T12:00Z). */
function isoInstant(flag: string, value: string): string {
  const v = value.trim();
  const t = Date.parse(v);
  const date = /^\d{4}-\d{2}-\d{2}/.exec(v)?.[0];
  // Date.parse takes 2026-02-30 for March 2: a day that does not exist is refused too.
  if (!date || !Number.isFinite(t) || (v === date && new Date(t).toISOString().slice(0, 10) !== date)) {
    throw new UsageError(
      `${flag} "${value}" is not a date or time such as 2026-01-15 or 2026-01-15T12:00:00Z`,
    );
  }
  return new Date(t).toISOString();
}

/** The GET /v1/usage query for `berth usage` flags; refuses malformed or contradicting ones. */
export function usageQuery(opts: UsageOptions): Query {
  if (opts.period !== undefined && (opts.from !== undefined || opts.to !== undefined)) {
    throw new UsageError('give --period or --from/--to, not both');
  }
  if (opts.period !== undefined && !isPeriod(opts.period)) {
    throw new UsageError(`--period "${opts.period}" must be a month, YYYY-MM (e.g. 2026-01)`);
  }
  const from = opts.from !== undefined ? isoInstant('--from', opts.from) : undefined;
  const to = opts.to !== undefined ? isoInstant('--to', opts.to) : undefined;
  if (from !== undefined && to !== undefined && Date.parse(to) <= Date.parse(from)) {
    throw new UsageError('--to must be after --from');
  }
  return {
    ...(opts.period !== undefined ? { period: opts.period } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(opts.by !== undefined ? { groupBy: opts.by } : {}),
  };
}

/** An instant as people read one in a header: the date alone at midnight, else date and time (UTC). */
function when(iso: string): string {
  const s = new Date(iso).toISOString();
  return s.endsWith('T00:00:00.000Z') ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

/** "Usage for 2025-12 (UTC), by type" for a whole month, else "Usage from ... to ... UTC, by type". */
export function reportHeader(r: Pick<UsageReportView, 'from' | 'to' | 'groupBy'>): string {
  const from = new Date(r.from);
  const monthEnd = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  const wholeMonth = when(r.from).length === 10 && from.getUTCDate() === 1 && Date.parse(r.to) === +monthEnd;
  const span = wholeMonth ? `for ${r.from.slice(0, 7)} (UTC)` : `from ${when(r.from)} to ${when(r.to)} UTC`;
  return `Usage ${span}, by ${r.groupBy}`;
}

/** The first column(s) of each grouping: a resource's id, name and type, or the group itself. */
const GROUP_HEADERS: Record<string, readonly string[]> = {
  container: ['ID', 'NAME', 'TYPE'],
  size: ['SIZE'],
  type: ['TYPE'],
  day: ['DAY'],
  meter: ['METER'],
};

function printReport(ctx: CliContext, r: UsageReportView): void {
  const byResource = r.groupBy === 'container';
  const group = GROUP_HEADERS[r.groupBy] ?? ['GROUP'];
  const rows = r.lines.map((l) => [
    ...(byResource ? [l.key, l.label, l.resourceType ?? '-'] : [l.label]),
    String(l.seconds),
    String(l.gbSeconds),
    dollars(l.amountUsd),
  ]);
  rows.push([
    'TOTAL',
    ...group.slice(1).map(() => ''),
    String(r.total.seconds),
    String(r.total.gbSeconds),
    dollars(r.total.amountUsd),
  ]);
  ctx.out.out(`${reportHeader(r)}\n`);
  ctx.out.out(renderTable([...group, 'SECONDS', 'GB-SECONDS', 'AMOUNT'], rows));
}

function printLive(ctx: CliContext, live: LiveUsageView): void {
  const now = ctx.deps.now();
  ctx.out.out(
    `Accrued this period (since ${when(live.periodStart)} UTC): ${dollars(live.accruedUsd)}\n` +
      `Accruing now: ${dollars(live.ratePerSecondUsd)} a second\n`,
  );
  ctx.out.out(
    renderTable(
      ['NAME', 'TYPE', 'SIZE', 'SINCE', 'RATE/S', 'ACCRUED'],
      live.items.map((i) => [
        i.name,
        i.resourceType,
        i.size ?? (i.resourceType === 'volume' || i.resourceType === 'snapshot' ? `${i.quantity} GB` : '-'),
        ago(i.since, now),
        nanoDollars(i.ratePerSecondNanoUsd),
        nanoDollars(i.accruedNanoUsd),
      ]),
    ),
  );
}

export function registerUsage(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('usage')
    .summary('what you have used and what it costs')
    .description(
      'Show usage and its cost over a period, grouped: seconds of containers and floating IPs, ' +
        'GB-seconds of volumes and snapshots, and the amount in dollars (exact; `--json` also gives ' +
        'nano-dollars). Default: this month (UTC) so far, by resource type. With --live: what is ' +
        'accruing right now, item by item.',
    )
    .option('--period <YYYY-MM>', 'a calendar month (UTC)')
    .option(
      '--from <date>',
      'the start of the window: 2026-01-15 or 2026-01-15T12:00:00Z (default: this month)',
    )
    .option('--to <date>', 'the end of the window (default: now)')
    .addOption(
      new Option(
        '--by <group>',
        'how to group lines (default: type; container: a line per resource)',
      ).choices(USAGE_GROUPINGS),
    )
    .option('--live', 'what accrues now: this period so far, the rate per second, and each item')
    .option('--json', 'print the report as JSON')
    .action(async (opts: UsageOptions) => {
      if (opts.live) {
        if (opts.period !== undefined || opts.from !== undefined || opts.to !== undefined || opts.by) {
          throw new UsageError('--live shows what accrues now: it takes no --period, --from, --to or --by');
        }
        const live = await ctx.tenant().get<LiveUsageView>('/v1/usage/live');
        return opts.json ? printJson(ctx.out, live) : printLive(ctx, live);
      }
      const query = usageQuery(opts);
      const report = await ctx.tenant().get<UsageReportView>('/v1/usage', query);
      return opts.json ? printJson(ctx.out, report) : printReport(ctx, report);
    });
  return withExamples(cmd, [
    'berth usage                                   # this month so far, by type',
    'berth usage --period 2025-12 --by container',
    'berth usage --from 2026-01-01 --to 2026-01-08 --by day',
    'berth usage --live',
    "berth usage --json | jq -r '.total.amountUsd'",
  ]);
}
