import type { Command } from 'commander';
import type { SnapshotView } from '@berth/contracts';
import { seg } from '../../api/api';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago, formatBytes } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

export function registerSnapshotLs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ls')
      .alias('list')
      .summary('list snapshots')
      .description(
        "List your snapshots, those whose volume is gone included, or with --volume one volume's. " +
          'SIZE is the volume size a restore needs at least; STORED what the snapshot holds.',
      )
      .option('--volume <volume>', "only this volume's snapshots (id or name)"),
    'snapshots',
  ).action(async (opts: ListOptions & { volume?: string }) => {
    const path = opts.volume !== undefined ? `/v1/volumes/${seg(opts.volume)}/snapshots` : '/v1/snapshots';
    const snapshots = await listAll<SnapshotView>(ctx.tenant(), path);
    if (opts.json) return printJson(ctx.out, snapshots);
    if (opts.quiet) return printLines(ctx.out, snapshots, (s) => s.id);
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['SNAPSHOT ID', 'NAME', 'VOLUME', 'SIZE', 'STORED', 'STATE', 'CREATED'],
        snapshots.map((s) => [
          s.id,
          s.name,
          s.volumeName,
          `${s.sizeGb} GB`,
          formatBytes(s.storedBytes),
          s.state,
          ago(s.createdAt, now),
        ]),
      ),
    );
  });
  return withExamples(cmd, ['berth snapshot ls', 'berth snapshot ls --volume pgdata -q']);
}
