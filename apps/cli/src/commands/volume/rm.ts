import type { Command } from 'commander';
import type { VolumeView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { removeEachAndWait, type RemoveAndWaitOptions } from '../shared/resources';

export function registerVolumeRm(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('rm')
    .alias('remove')
    .summary('delete volumes')
    .description(
      'Delete volumes and their data, by id or name; their snapshots stay. A volume mounted into a ' +
        'container is refused (volume/in_use): remove the container first. Waits until each is gone ' +
        'unless --no-wait.',
    )
    .argument('<volume...>', 'volume ids or names')
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print the deleted volumes as a JSON array')
    .action((refs: string[], opts: RemoveAndWaitOptions) =>
      removeEachAndWait<VolumeView>(ctx, '/v1/volumes', refs, opts, {
        plural: 'volumes',
        listCommand: 'berth volume ls',
      }),
    );
  return withExamples(cmd, ['berth volume rm pgdata', 'berth volume rm --no-wait $(berth volume ls -q)']);
}
