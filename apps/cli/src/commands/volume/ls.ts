import type { Command } from 'commander';
import type { VolumeView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

/** Where a volume is mounted, as `-v` took it: `web:/data`, or "-" when detached. */
export function attachedTo(v: VolumeView): string {
  return v.attachment ? `${v.attachment.containerName}:${v.attachment.path}` : '-';
}

export function registerVolumeLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary('list volumes')
      .description('List your block volumes, their size in GB and the container each is mounted into.'),
    'volumes',
  ).action(async (opts: ListOptions) => {
    const volumes = await listAll<VolumeView>(ctx.tenant(), '/v1/volumes');
    if (opts.json) return printJson(ctx.out, volumes);
    if (opts.quiet) return printLines(ctx.out, volumes, (v) => v.id);
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['VOLUME ID', 'NAME', 'SIZE', 'STATE', 'ATTACHED TO', 'CREATED'],
        volumes.map((v) => [v.id, v.name, `${v.sizeGb} GB`, v.state, attachedTo(v), ago(v.createdAt, now)]),
      ),
    );
  });
  return withExamples(cmd, ['berth volume ls', "berth volume ls --json | jq -r '.[].name'"]);
}
