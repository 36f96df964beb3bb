import type { Command } from 'commander';
import type { AcceptedView, SnapshotView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { formatBytes } from '../../output/format';
import { printJson } from '../../output/output';
import { followOperation } from '../shared/follow';
import { withExamples } from '../shared/options';

interface SnapshotCreateOptions {
  readonly name?: string;
  readonly wait: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export function registerSnapshotCreate(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('create')
    .summary('snapshot a volume')
    .description(
      'Snapshot a volume, on its host. Taken while a container runs with it, the snapshot is ' +
        'crash-consistent (as after a power cut); taken of a detached volume, it is exact. Waits until ' +
        'it is made unless --no-wait, then prints its name and id.',
    )
    .argument('<volume>', 'volume id or name')
    .option('--name <name>', 'unique among your snapshots (default: generated)')
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print the snapshot as JSON')
    .option('-q, --quiet', 'print the snapshot id only')
    .action(async (volume: string, opts: SnapshotCreateOptions) => {
      const api = ctx.tenant();
      const accepted = await api.post<AcceptedView<SnapshotView>>(
        `/v1/volumes/${seg(volume)}/snapshots`,
        opts.name !== undefined ? { name: opts.name } : {},
      );
      let snap = accepted.data;
      if (opts.wait) {
        await followOperation(
          ctx,
          api,
          accepted.operation,
          `Snapshotting ${volume}`,
          `the snapshot goes on: \`berth operation wait ${accepted.operation.id}\` follows it, ` +
            '`berth snapshot ls` lists it.',
        );
        snap = await api.get<SnapshotView>(`/v1/snapshots/${seg(snap.id)}`);
      }
      if (opts.json) printJson(ctx.out, snap);
      else if (opts.quiet) ctx.out.out(`${snap.id}\n`);
      else if (!opts.wait)
        ctx.out.out(`${snap.name} (${snap.id}): creating (operation ${accepted.operation.id})\n`);
      else
        ctx.out.out(
          `${snap.name} (${snap.id}): snapshot of ${snap.volumeName}, ${formatBytes(snap.storedBytes)} stored\n`,
        );
    });
  return withExamples(cmd, [
    'berth snapshot create pgdata --name pgdata-nightly',
    'SNAP=$(berth snapshot create -q pgdata)',
  ]);
}
