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
        .description('List the hosts of the fleet: state, driver, and what is reserved of their capacity.'),
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
        ['HOST ID', 'NAME', 'ADDRESS', 'STATE', 'DRIVER', 'VCPU', 'MEMORY MIB', 'DISK GIB', 'LAST HEARTBEAT'],
        hosts.map((h) => [
          h.id,
          h.name,
          h.address,
          h.state,
          `${h.driver}${accel(h)}`,
          `${h.reserved.vcpu}/${h.capacity.vcpu}`,
          `${h.reserved.memoryMib}/${h.capacity.memoryMib}`,
          `${h.reserved.diskGib}/${h.capacity.diskGib}`,
          ago(h.lastHeartbeatAt, now),
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth admin hosts ls', 'berth admin hosts ls --operator-token "$TOKEN" --json']);
}
