import type { Command } from 'commander';
import type { SnapshotView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { removeEachAndWait, type RemoveAndWaitOptions } from '../shared/resources';

export function registerSnapshotRm(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('rm')
    .alias('remove')
    .summary('delete snapshots')
    .description(
      'Delete snapshots, by id or name; volumes restored from them stay. Waits until each is gone ' +
        'unless --no-wait.',
    )
    .argument('<snapshot...>', 'snapshot ids or names')
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print the deleted snapshots as a JSON array')
    .action((refs: string[], opts: RemoveAndWaitOptions) =>
      removeEachAndWait<SnapshotView>(ctx, '/v1/snapshots', refs, opts, {
        plural: 'snapshots',
        listCommand: 'berth snapshot ls',
      }),
    );
  return withExamples(cmd, [
    'berth snapshot rm pgdata-nightly',
    'berth snapshot rm $(berth snapshot ls --volume pgdata -q)',
  ]);
}
