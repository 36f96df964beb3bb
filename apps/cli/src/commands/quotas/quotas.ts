import type { Command } from 'commander';
import type { QuotasView } from '@berth/contracts';
import type { QuotaLimit } from '@berth/domain';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { renderTable } from '../../output/table';
import { withExamples } from '../shared/options';

/** Each limit as the table names it, in the order berth lists them. */
const LABELS: Readonly<Record<QuotaLimit, string>> = {
  containers: 'containers',
  vcpus: 'vCPUs (running)',
  memoryMib: 'memory MiB (running)',
  volumeGb: 'volume GB',
  snapshots: 'snapshots',
  floatingIps: 'floating IPs',
  networks: 'networks',
};

/** The table `berth quotas` prints: each limit, what is used, the quota, what is left, who set it. */
export function quotasTable(view: QuotasView): string {
  const rows = (Object.keys(LABELS) as QuotaLimit[]).map((l) => {
    const q = view.limits[l];
    return [
      LABELS[l],
      String(q.usage),
      String(q.quota),
      String(Math.max(0, q.quota - q.usage)),
      q.custom ? 'operator' : 'default',
    ];
  });
  return renderTable(['LIMIT', 'USED', 'QUOTA', 'LEFT', 'SET BY'], rows);
}

export function registerQuotas(program: Command, ctx: CliContext): Command {
  const cmd = program
    .command('quotas')
    .summary('show your quotas and how much of each you use')
    .description(
      'Show what your account may hold at once (containers, vCPUs and memory of running containers, ' +
        'volume GB, snapshots, floating IPs, networks), what it holds now, and whether the operator set ' +
        'the quota for you. Creating past a quota is refused with quota/exceeded.',
    )
    .option('--json', 'print the quotas as JSON')
    .action(async (opts: { json?: boolean }) => {
      const view = await ctx.tenant().get<QuotasView>('/v1/quotas');
      if (opts.json) return printJson(ctx.out, view);
      ctx.out.out(quotasTable(view));
    });
  return withExamples(cmd, ['berth quotas', "berth quotas --json | jq '.limits.containers'"]);
}
