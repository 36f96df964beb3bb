import type { Command } from 'commander';
import type { ContainerView, FloatingIpView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

export function registerFipLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary('list floating IPs')
      .description('List your floating IPs and the container each one points at.'),
    'floating IPs',
  ).action(async (opts: ListOptions) => {
    const api = ctx.tenant();
    const fips = await listAll<FloatingIpView>(api, '/v1/fips');
    if (opts.json) return printJson(ctx.out, fips);
    if (opts.quiet) return printLines(ctx.out, fips, (f) => f.id);
    // Containers by id, for their names: fetched only when some address is attached.
    const names = new Map<string, string>();
    if (fips.some((f) => f.containerId !== null)) {
      for (const c of await listAll<ContainerView>(api, '/v1/containers')) names.set(c.id, c.name);
    }
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['FIP ID', 'ADDRESS', 'NAME', 'CONTAINER', 'CREATED'],
        fips.map((f) => [
          f.id,
          f.address,
          f.name ?? '-',
          f.containerId === null ? '-' : (names.get(f.containerId) ?? f.containerId),
          ago(f.createdAt, now),
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth fip ls', "berth fip ls --json | jq -r '.[].address'"]);
}
