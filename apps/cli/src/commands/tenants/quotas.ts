import { Option, type Command } from 'commander';
import type { QuotasView, TenantDetailView } from '@berth/contracts';
import { QUOTA_LIMITS, type QuotaLimit } from '@berth/domain';
import { seg } from '../../api/api';
import { UsageError } from '../../api/errors';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { quotasTable } from '../quotas/quotas';
import { operatorOption, withExamples } from '../shared/options';

/** Each limit's flag: `--memory-mib` for memoryMib. */
const FLAGS: Readonly<Record<QuotaLimit, string>> = {
  containers: 'containers',
  vcpus: 'vcpus',
  memoryMib: 'memory-mib',
  volumeGb: 'volume-gb',
  snapshots: 'snapshots',
  floatingIps: 'floating-ips',
  networks: 'networks',
};

type QuotaFlag = number | 'default';

/** A flag's value: a whole number, or `default` to go back to the configured default. */
function quotaValue(flag: string): (value: string) => QuotaFlag {
  return (value) => {
    if (value === 'default') return value;
    if (!/^\d+$/.test(value)) {
      throw new UsageError(`--${flag} must be a whole number or "default", not "${value}"`);
    }
    return Number(value);
  };
}

/** The POST body for the flags given: only the limits named, each a number or null (the default). */
export function quotaPatch(
  opts: Partial<Record<QuotaLimit, QuotaFlag>>,
): Partial<Record<QuotaLimit, number | null>> {
  const patch: Partial<Record<QuotaLimit, number | null>> = {};
  for (const l of QUOTA_LIMITS) {
    const v = opts[l];
    if (v !== undefined) patch[l] = v === 'default' ? null : v;
  }
  return patch;
}

export function registerTenantsQuotas(parent: Command, ctx: CliContext): Command {
  let cmd = parent
    .command('quotas')
    .summary("show or set a tenant's quotas")
    .description(
      "Show a tenant's quotas and usage; with flags, set them first (only the limits named; " +
        '`default` goes back to the configured default). Lowering a quota removes nothing: it refuses more.',
    )
    .argument('<tenant-id>', 'the tenant (ten_...)')
    .option('--json', 'print the quotas as JSON');
  for (const l of QUOTA_LIMITS) {
    cmd = cmd.addOption(
      new Option(`--${FLAGS[l]} <n>`, `the ${l} quota (a number, or "default")`).argParser(
        quotaValue(FLAGS[l]),
      ),
    );
  }
  cmd = operatorOption(cmd).action(
    async (
      id: string,
      opts: Partial<Record<QuotaLimit, QuotaFlag>> & { operatorToken?: string; json?: boolean },
    ) => {
      const api = ctx.operator(opts.operatorToken);
      const patch = quotaPatch(opts);
      const view =
        Object.keys(patch).length > 0
          ? await api.post<QuotasView>(`/v1/admin/tenants/${seg(id)}/quotas`, patch)
          : await api
              .get<TenantDetailView>(`/v1/admin/tenants/${seg(id)}`)
              .then((t): QuotasView => ({ tenantId: t.id, limits: t.quotas }));
      if (opts.json) return printJson(ctx.out, view);
      ctx.out.out(quotasTable(view));
    },
  );
  return withExamples(cmd, [
    'berth admin tenants quotas ten_01j9z6w2m4q8r7t5v3x1y0b2c4',
    'berth admin tenants quotas ten_01j9z6w2m4q8r7t5v3x1y0b2c4 --containers 50 --vcpus 64 --volume-gb default',
  ]);
}
