import type { Command } from 'commander';
import type { HostView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, operatorOption, withExamples, type ListOptions } from '../shared/options';

export function registerHostsLs(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    listOptions(
      parent
        .command('ls')
        .alias('list')
        .summary('list hosts')
        .description(
          'List the hosts of the fleet: state, driver, what is reserved of their capacity, and their VM ' +
            'templates by state (--json has each template).',
        ),
      'hosts',
    ),
  ).action(async (opts: ListOptions & { operatorToken?: string }) => {
    const hosts = await listAll<HostView>(ctx.operator(opts.operatorToken), '/v1/admin/hosts');
    if (opts.json) return printJson(ctx.out, hosts);
    if (opts.quiet) return printLines(ctx.out, hosts, (h) => h.id);
    const now = ctx.deps.now();
    const accel = (h: HostView) =>
      typeof h.capabilities.accel === 'string' ? `/${h.capabilities.accel}` : '';
    ctx.out.out(
      renderTable(
        [
          'HOST ID',
          'NAME',
          'ADDRESS',
          'STATE',
          'DRIVER',
          'VCPU',
          'MEMORY MIB',
          'DISK GIB',
          'TEMPLATES',
          'LAST HEARTBEAT',
        ],
        hosts.map((h) => [
          h.id,
          h.name,
          h.address,
          h.state,
          `${h.driver}${accel(h)}`,
          `${h.reserved.vcpu}/${h.capacity.vcpu}`,
          `${h.reserved.memoryMib}/${h.capacity.memoryMib}`,
          `${h.reserved.diskGib}/${h.capacity.diskGib}`,
          templatesCell(h),
          ago(h.lastHeartbeatAt, now),
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth admin hosts ls', 'berth admin hosts ls --operator-token "$TOKEN" --json']);
}

/** A host's VM templates counted by state ("2 ready, 1 building"), or "-" for none. */
function templatesCell(h: HostView): string {
  const counts = new Map<string, number>();
  for (const t of h.templates ?? []) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const parts = (['ready', 'building', 'failed'] as const)
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`);
  return parts.length > 0 ? parts.join(', ') : '-';
}
